"""Dialect-aware ``INSERT … ON CONFLICT`` for the two stores we run on."""

from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(connection: Connection, table: Table):  # noqa: ANN201 - dialect Insert
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
