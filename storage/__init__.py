"""Durable truth: the SQLAlchemy schema, migrations and one repository per domain noun.

SQLite (a file in the data directory, WAL) by default, PostgreSQL by URL; the same code serves both.
"""
