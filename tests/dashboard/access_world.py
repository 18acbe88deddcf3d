"""A small city to walk the access matrix in: one caller per role and court binding, field units
with fresh fixes in four courts, and factories for fresh cases, alerts, tips and dispatches, so
each probe acts on a record no earlier probe has touched.

Courts: a basic court (和平 210102), its sibling (沈河 210103), their intermediate court (沈阳中院
2101) and the high court above it (21). A basic-court caller reaches 210102 only; an
intermediate-court caller reaches 2101 and every basic court below it, not the high court.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dashboard.app import CommandCenter, create_app
from dashboard.services import build_services
from dashboard.settings import load_settings
from enforcement.clock import FrozenClock
from enforcement.dispatches import DispatchStatus
from enforcement.model import Role, Unit, UnitKind
from enforcement.tips import Channel, Tip, TipKind, TipStatus
from storage.alerts import AlertQuery
from storage.schema import metadata
from storage.users import Principal
from tests.conftest import T0

BASIC, SIBLING, MIDDLE, HIGH = "210102", "210103", "2101", "21"
INSIDE = {"basic": (BASIC,), "intermediate": (MIDDLE, BASIC), "city": (HIGH, SIBLING)}
OUTSIDE = {"basic": (SIBLING,), "intermediate": (HIGH,), "city": ()}
BOUND_TO = {"basic": BASIC, "intermediate": MIDDLE, "city": None}
PASSWORD = "password-123"
FINISHED = (DispatchStatus.COMPLETED, DispatchStatus.CANCELLED)
UNAUDITED = ("audit_log", "login_attempts")  # written by refusals too, by design


@dataclass(frozen=True)
class Caller:
    """Who calls: a role bound to a court (``binding``), or nobody (``role`` None)."""

    role: Role | None
    binding: str
    username: str
    token: str | None

    @property
    def court_id(self) -> str | None:
        return BOUND_TO.get(self.binding)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def principal(self) -> Principal:
        return Principal(0, self.username, self.role, self.court_id)

    def inside(self) -> tuple[str, ...]:
        """Courts in this caller's scope to probe; a device acts for its own court's unit only."""
        return (self.court_id,) if self.role == Role.DEVICE else INSIDE[self.binding]

    def outside(self) -> tuple[str, ...]:
        return OUTSIDE[self.binding]

    def __str__(self) -> str:
        return f"{self.role or 'anonymous'}@{self.binding}"


ANONYMOUS = Caller(None, "-", "", None)


@dataclass
class World:
    center: CommandCenter
    callers: list[Caller] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # every bus event's id, as published
    keys: dict[str, str] = field(default_factory=dict)  # unit → its device key
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def services(self) -> Any:
        return self.center.services

    # ---- building ---------------------------------------------------------------------------

    def build(self) -> World:
        services = self.services
        services.bus.subscribe(["alerts", "tips", "dispatches", "units", "cases", "kpis"],
                               lambda event: self.events.append(event.id))
        for court in (BASIC, SIBLING, MIDDLE, HIGH):
            self._unit(court)
        services.alert_engine.load()
        for role, binding in itertools.product(Role, ("basic", "intermediate")):
            self.callers.append(self.caller(role, binding))
        self.callers.append(self.caller(Role.ADMIN, "city"))
        return self

    def caller(self, role: Role, binding: str) -> Caller:
        court = BOUND_TO[binding]
        username = unit_of(court) if role == Role.DEVICE else f"{role}-{binding}"
        services = self.services
        services.users.add(username, PASSWORD, str(role), court_id=court, now=services.clock.now())
        issued = services.users.issue_token(username, PASSWORD, now=services.clock.now(),
                                            ttl=timedelta(days=1))
        return Caller(role, binding, username, issued.token)

    def _unit(self, court: str) -> None:
        services = self.services
        key = services.units.add(Unit(id=unit_of(court), court_id=court, kind=UnitKind.CAR))
        self.keys[unit_of(court)] = key
        lat, lon = self.place(court)
        services.ingest.json_batch([{"unit_id": unit_of(court), "lat": lat, "lon": lon,
                                     "at": services.clock.now().isoformat()}], key)

    def place(self, court: str) -> tuple[float, float]:
        found = self.services.city.by_id[court]
        return found.lat, found.lon

    def target(self, court: str) -> dict[str, Any]:
        lat, lon = self.place(court)
        return {"kind": "incident", "ref": "", "note": "测试", "lat": lat + 0.004, "lon": lon}

    # ---- fresh records ----------------------------------------------------------------------

    def case_payload(self, court: str) -> dict[str, Any]:
        number = next(self.serial)
        return {"case_no": f"（2026）辽{court}执{number}号", "court_id": court, "case_type": "执",
                "filed_at": "2026-11-02T09:00:00+08:00", "amount": 120000,
                "debtors": [{"name": "张某某", "debtor_type": "自然人",
                             "id_no": "210102198001011234"}]}

    def open_case(self, court: str) -> str:
        """A case just filed, not yet followed by the alert engine (so not locked)."""
        return self.services.desk.create(self.case_payload(court), actor="seed").case_no

    def case(self, court: str) -> str:
        """A case filed three weeks ago: its first nodes are overdue, one is locked."""
        case = self.services.desk.create(self.case_payload(court), actor="seed")
        self.services.alert_engine.tick()
        return case.case_no

    def locked_case(self, court: str) -> str:
        case_no = self.case(court)
        if not self.services.desk.get(case_no).locked_at:
            self.services.desk.lock(case_no, self.services.clock.now())
        return case_no

    def alert(self, court: str) -> int:
        """A fresh overdue alert (it can be acknowledged and chased)."""
        case_no = self.case(court)
        found = [a for a in self.open_alerts(court) if a["case_no"] == case_no
                 and a["level"] == "overdue"]
        return found[0]["id"]

    def open_alerts(self, court: str) -> list[dict[str, Any]]:
        query = AlertQuery(as_of=self.services.clock.now(), court_ids=[court], levels=None,
                           acknowledged=None, limit=5000)
        return self.services.alerts.as_of(query)

    def tip(self, court: str | None, **changes: Any) -> int:
        services = self.services
        tip = Tip(id=None, received_at=services.clock.now(), channel=Channel.PHONE,
                  kind=TipKind.DEBTOR_WHEREABOUTS, description="看见被执行人的车",
                  caller_name="王小明", caller_phone="13812345678", debtor_name="张某某",
                  debtor_id_no="210102198001011234", address="太原街", lat=41.775, lon=123.40,
                  status=TipStatus.NEW, court_id=court, created_by="seed")
        return services.tips.repo.save(replace(tip, **changes), event="taken", actor="seed",
                                       at=services.clock.now()).id

    def free_unit(self, court: str) -> str:
        """The court's unit, available again (its dispatch on the way, if any, called off)."""
        desk, unit_id = self.services.dispatch, unit_of(court)
        for dispatch in desk.repo.recent([court], limit=1000):
            if dispatch.unit_id != unit_id or dispatch.status in FINISHED:
                continue
            if dispatch.status == DispatchStatus.ARRIVED:
                desk.complete(dispatch.id, {}, actor="seed")
            else:
                desk.cancel(dispatch.id, reason="reset", actor="seed")
        return unit_id

    def dispatch(self, court: str, *, up_to: str = "assigned") -> int:
        desk, unit_id = self.services.dispatch, self.free_unit(court)
        made = desk.assign({"unit_id": unit_id, "target": self.target(court)}, actor="seed",
                           court_ids=[court])
        if up_to in ("acknowledged", "arrived"):
            desk.acknowledge(made.id)
        if up_to == "arrived":
            desk.arrive(made.id)
        return made.id

    # ---- watching the store -----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Every table's rows, and how many events went out: equal snapshots, nothing changed."""
        state: dict[str, Any] = {"bus events": len(self.events)}
        with self.services.db.connect() as conn:
            for table in metadata.sorted_tables:
                if table.name not in UNAUDITED:
                    state[table.name] = [tuple(row) for row in conn.execute(select(table))]
        return state


def open_world(path: Path) -> World:
    """A center on a fresh SQLite file under ``path``, frozen at T0, with its callers and units."""
    settings = load_settings({"db": f"sqlite:///{path / 'ecc.sqlite3'}", "data_dir": str(path),
                              "demo": "false"}, environ={})
    services = build_services(settings, clock=FrozenClock(T0))
    return World(create_app(settings, services=services, secret_key="matrix-secret")).build()


def close_world(world: World) -> None:
    world.center.stop()
    world.services.db.dispose()


def unit_of(court: str | None) -> str:
    return f"U-{court or 'city'}"
