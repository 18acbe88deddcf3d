"""The store, on SQLite and PostgreSQL alike: schema, users and tokens, units and positions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from enforcement.city import load_city
from enforcement.errors import AuthError, Conflict, InvalidInput, NotFound
from enforcement.model import Fix, Role, Unit, UnitKind, UnitStatus
from storage.db import StoreError, make_engine, migrate, open_store_engine
from storage.reference import ReferenceRepo
from storage.schema import metadata
from storage.units import UnitRepo
from storage.users import UserRepo


@pytest.fixture
def engine(store_url: str):
    engine = open_store_engine(store_url)
    ReferenceRepo(engine).save_courts(load_city().courts)
    yield engine
    engine.dispose()


def fix(unit_id: str, at, lat: float = 41.8, lon: float = 123.4) -> Fix:
    return Fix(unit_id=unit_id, lat=lat, lon=lon, at=at, received_at=at, speed_kmh=12.0)


def test_migrations_build_exactly_the_schema_the_code_declares(engine) -> None:
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_migrating_twice_changes_nothing(engine) -> None:
    migrate(engine)
    assert {c.id for c in ReferenceRepo(engine).courts()} == {c.id for c in load_city().courts}


def test_an_unreachable_store_is_named() -> None:
    with pytest.raises(StoreError, match="127.0.0.1:1"):
        migrate(make_engine("postgresql://nobody@127.0.0.1:1/none"))


def test_user_token_lifecycle(engine, clock) -> None:
    users = UserRepo(engine)
    users.add("zhang", "correct horse", "duty", court_id="2101", now=clock.now())
    issued = users.issue_token("zhang", "correct horse", now=clock.now(), ttl=timedelta(hours=1))
    principal = users.resolve(issued.token, now=clock.now())
    assert (principal.username, principal.role, principal.court_id) == ("zhang", Role.DUTY, "2101")
    with pytest.raises(AuthError, match="expired"):
        users.resolve(issued.token, now=clock.now() + timedelta(hours=1))
    users.revoke(issued.token, now=clock.now())
    with pytest.raises(AuthError, match="revoked"):
        users.resolve(issued.token, now=clock.now())


def test_wrong_password_and_bad_users_are_refused(engine, clock) -> None:
    users = UserRepo(engine)
    users.add("li", "long enough", "leader", court_id=None, now=clock.now())
    with pytest.raises(AuthError):
        users.issue_token("li", "wrong password", now=clock.now(), ttl=timedelta(hours=1))
    with pytest.raises(Conflict):
        users.add("li", "another one", "leader", court_id=None, now=clock.now())
    with pytest.raises(InvalidInput) as bad_role:
        users.add("wang", "long enough", "boss", court_id=None, now=clock.now())
    assert bad_role.value.field == "role"


def test_passwords_are_not_stored_in_clear(engine, clock) -> None:
    UserRepo(engine).add("zhao", "secret-words", "duty", court_id=None, now=clock.now())
    with engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM users").scalar_one()
    assert "secret-words" not in stored and stored.startswith("scrypt$")


def test_units_record_history_and_the_latest_fix_only_moves_forward(engine, clock) -> None:
    units = UnitRepo(engine)
    key = units.add(Unit(id="DB1", court_id="210102", kind=UnitKind.CAR))
    assert units.authenticate("DB1", key).id == "DB1"
    t0 = clock.now()
    units.record_fixes([fix("DB1", t0, lat=41.80), fix("DB1", t0 + timedelta(seconds=10), lat=41.81)])
    units.record_fixes([fix("DB1", t0 + timedelta(seconds=5), lat=41.79)])  # late, out of order
    [view] = units.views()
    assert view.last_fix.lat == pytest.approx(41.81)
    track = units.track("DB1", since=t0, until=t0 + timedelta(minutes=1))
    assert [f.lat for f in track] == pytest.approx([41.80, 41.79, 41.81])
    assert units.count_positions() == 3


def test_device_keys_are_checked(engine) -> None:
    units = UnitRepo(engine)
    units.add(Unit(id="DB2", court_id="210102", kind=UnitKind.FOOT))
    with pytest.raises(AuthError):
        units.authenticate("DB2", "not-the-key")
    with pytest.raises(AuthError):
        units.authenticate("NOPE", "whatever")


def test_status_lifecycle_is_enforced(engine, clock) -> None:
    units = UnitRepo(engine)
    units.add(Unit(id="DB3", court_id="210103", kind=UnitKind.CAR, status=UnitStatus.OFF_DUTY))
    with pytest.raises(Conflict):
        units.set_status("DB3", UnitStatus.ON_SCENE, at=clock.now())
    assert units.set_status("DB3", UnitStatus.AVAILABLE, at=clock.now()).status == "available"
    assert units.get("DB3").status == UnitStatus.AVAILABLE
    with pytest.raises(NotFound):
        units.set_status("NOPE", UnitStatus.AVAILABLE, at=clock.now())


def test_a_unit_of_an_unknown_court_is_refused(engine) -> None:
    with pytest.raises(Conflict):
        UnitRepo(engine).add(Unit(id="DB4", court_id="999", kind=UnitKind.CAR))
