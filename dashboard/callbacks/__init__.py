"""One module per panel, each with ``register(app, services)``."""
