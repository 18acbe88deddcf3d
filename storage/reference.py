"""Courts, teams and officers: the organisation the center commands."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

from sqlalchemy import Engine, select

from enforcement.model import Court, CourtLevel, Officer, Team
from storage.schema import courts, officers, teams
from storage.upsert import insert_for


class ReferenceRepo:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save_courts(self, items: Iterable[Court]) -> None:
        rows = [asdict(c) | {"level": str(c.level)} for c in items]
        self._upsert(courts, [{k: v for k, v in r.items() if k != "short"} for r in rows])

    def save_teams(self, items: Iterable[Team]) -> None:
        self._upsert(teams, [asdict(t) for t in items])

    def save_officers(self, items: Iterable[Officer]) -> None:
        self._upsert(officers, [asdict(o) for o in items])

    def courts(self) -> list[Court]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(courts).order_by(courts.c.id)).mappings()
            return [Court(**(dict(r) | {"level": CourtLevel(r["level"])})) for r in rows]

    def teams(self) -> list[Team]:
        with self.engine.connect() as conn:
            return [Team(**r) for r in conn.execute(select(teams).order_by(teams.c.id)).mappings()]

    def officers(self) -> list[Officer]:
        with self.engine.connect() as conn:
            query = select(officers).order_by(officers.c.id)
            return [Officer(**r) for r in conn.execute(query).mappings()]

    def _upsert(self, table, rows: list[dict]) -> None:  # noqa: ANN001
        if not rows:
            return
        with self.engine.begin() as conn:
            statement = insert_for(conn, table)
            keys = [c.name for c in table.columns if not c.primary_key]
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.id], set_={k: statement.excluded[k] for k in keys}
            )
            conn.execute(statement, rows)
