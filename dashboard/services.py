"""The services one center runs on, built once from settings and handed to every edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine

from dashboard.settings import Settings
from enforcement.catalog import Catalog, load_catalog
from enforcement.city import City, load_city
from enforcement.clock import Clock, SimClock
from enforcement.flow import Flow
from feeds.admin import AdminDesk
from feeds.analytics import AnalyticsDesk
from feeds.bus import Bus, make_bus
from feeds.casework import CaseDesk
from feeds.dispatching import DispatchDesk
from feeds.engine import AlertEngine
from feeds.geocoders import make_geocoder
from feeds.ingest import PositionIngest
from feeds.intake import TipDesk
from storage.alerts import AlertRepo
from storage.analytics import AnalyticsRepo
from storage.audit import AuditLog
from storage.cases import CaseRepo
from storage.db import latest_instant, open_store_engine
from storage.dispatches import DispatchRepo
from storage.kiosks import KioskRepo
from storage.logins import LoginAttempts
from storage.reference import ReferenceRepo
from storage.tips import TipRepo
from storage.units import UnitRepo
from storage.users import UserRepo


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Engine  # the SQLAlchemy engine of the store
    bus: Bus
    city: City
    users: UserRepo
    units: UnitRepo
    reference: ReferenceRepo
    ingest: PositionIngest
    catalog: Catalog
    cases: CaseRepo
    alerts: AlertRepo
    desk: CaseDesk
    alert_engine: AlertEngine
    dispatch: DispatchDesk
    tips: TipDesk
    analytics: AnalyticsDesk  # KPI aggregates (质效指标), kept live from the cases topic
    audit: AuditLog  # 全程留痕: every write, hash-chained
    logins: LoginAttempts  # failed logins, for lockout across processes
    kiosks: KioskRepo  # wall displays' read-only tokens
    admin: AdminDesk  # users, device keys, kiosk tokens: changed and audited

    @property
    def token_ttl(self) -> timedelta:
        return timedelta(hours=self.settings.token_ttl_h)


def resume_at(engine: Engine) -> datetime:
    """Now, or where the store's history ends if that is later (a fast simulated clock ran ahead
    of real time before a restart): the center's clock never runs backwards."""
    now = datetime.now(timezone.utc)
    last = latest_instant(engine)
    return max(now, last) if last else now


def build_services(
    settings: Settings, *, bus: Bus | None = None, db: Engine | None = None,
    clock: Clock | None = None,
) -> Services:
    engine = db or open_store_engine(settings.db_url)
    clock = clock or SimClock(settings.start_at or resume_at(engine), settings.speed)
    bus = bus or make_bus(settings.redis)
    city = load_city()
    reference = ReferenceRepo(engine)
    reference.save_courts(city.courts)
    units = UnitRepo(engine, clock=clock)
    audit = AuditLog(engine, clock)
    users, kiosks = UserRepo(engine), KioskRepo(engine)
    catalog = load_catalog()
    cases, alerts = CaseRepo(engine), AlertRepo(engine)
    desk = CaseDesk(cases=cases, flow=Flow(catalog), bus=bus, clock=clock,
                    courts=frozenset(city.by_id), audit=audit)
    ingest = PositionIngest(units=units, bus=bus, clock=clock)
    dispatch = DispatchDesk(repo=DispatchRepo(engine), units=units, bus=bus, clock=clock,
                            city=city, stale_after_s=settings.stale_after_s,
                            offline_after_s=settings.offline_after_s, audit=audit)
    ingest.listeners.append(dispatch.on_fixes)
    bus.subscribe(["units"], lambda event: units.forget(event.data["unit_id"]))  # status or key
    return Services(
        settings=settings, clock=clock, db=engine, bus=bus, city=city,
        users=users, units=units, reference=reference, ingest=ingest, catalog=catalog,
        cases=cases, alerts=alerts, desk=desk,
        alert_engine=AlertEngine(cases=cases, alerts=alerts, desk=desk, catalog=catalog,
                                 bus=bus, clock=clock, audit=audit),
        dispatch=dispatch,
        analytics=AnalyticsDesk(repo=AnalyticsRepo(engine), bus=bus, clock=clock, city=city),
        tips=TipDesk(repo=TipRepo(engine), case_desk=desk, bus=bus, clock=clock, city=city,
                     geocoder=make_geocoder(settings.geocoder, districts=city.districts),
                     audit=audit),
        audit=audit, logins=LoginAttempts(engine), kiosks=kiosks,
        admin=AdminDesk(users=users, units=units, kiosks=kiosks, bus=bus, clock=clock, audit=audit,
                        courts=frozenset(city.by_id)),
    )
