"""Live data in and out: the bus, device protocols, the ingest path and the live loops."""
