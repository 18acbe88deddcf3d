"""Seeded, deterministic generators of the demo city and its live traffic.

They only produce data; ``simulators.runner`` sends it through the same ingest path a real
device or call-taker uses.
"""
