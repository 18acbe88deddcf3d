"""Demo mode: the Shenyang organisation, demo accounts, and the simulators driving the real ingest.

Device keys of demo units are derived from the data directory's secret (HMAC), so a restart can
drive the same units again without ever storing a key in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from dashboard.services import Services
from enforcement.credentials import new_password
from enforcement.errors import Conflict
from enforcement.model import Role, Unit
from simulators.calls import CallRunner
from simulators.caseload_runner import CaseloadRunner, demo_caseload
from simulators.city import build_organisation
from simulators.dispatcher import DemoDispatcher
from simulators.runner import FleetRunner
from simulators.units import FleetSimulator

log = logging.getLogger(__name__)

DEMO_ACCOUNTS = {  # username → (role, court)
    "duty": (Role.DUTY, "2101"),
    "leader": (Role.LEADER, "2101"),
    "dispatcher": (Role.DISPATCHER, "2101"),
    "intake": (Role.INTAKE, "2101"),
    "admin": (Role.ADMIN, None),
}
ACCOUNTS_FILE = "demo-accounts.txt"


@dataclass
class Demo:
    units: list[Unit]
    keys: dict[str, str]
    accounts_file: Path
    runner: FleetRunner
    caseload: CaseloadRunner
    calls: CallRunner | None = None


def read_or_create_secret(data_dir: Path) -> bytes:
    """The data directory's own secret (Flask sessions, demo device keys); made once, mode 0600."""
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(os.urandom(32).hex())
    return bytes.fromhex(path.read_text().strip())


def demo_device_key(secret: bytes, unit_id: str) -> str:
    return hmac.new(secret, f"device:{unit_id}".encode(), hashlib.sha256).hexdigest()


def seed_organisation(services: Services, secret: bytes) -> tuple[list[Unit], dict[str, str]]:
    settings = services.settings
    organisation = build_organisation(services.city, seed=settings.seed, units=settings.units)
    services.reference.save_teams(organisation.teams)
    services.reference.save_officers(organisation.officers)
    keys = {}
    for unit in organisation.units:
        keys[unit.id] = demo_device_key(secret, unit.id)
        try:
            services.units.add(unit, device_key=keys[unit.id])
        except Conflict:
            pass  # kept from an earlier run of the same data directory
    return organisation.units, keys


def ensure_accounts(services: Services) -> Path:
    """Create the demo accounts; their passwords go to a 0600 file in the data directory."""
    path = services.settings.data_dir / ACCOUNTS_FILE
    known = _read_accounts(path)
    for username, (role, court_id) in DEMO_ACCOUNTS.items():
        password = known.setdefault(username, new_password())
        if services.users.exists(username):
            services.users.set_password(username, password)
        else:
            services.users.add(username, password, role, court_id=court_id,
                               now=services.clock.now())
    _write_accounts(path, known)
    return path


def _read_accounts(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split() for line in path.read_text().splitlines() if line and line[0] != "#")
    return {p[0]: p[2] for p in pairs if len(p) == 3}


def _write_accounts(path: Path, accounts: dict[str, str]) -> None:
    lines = ["# demo accounts: username  role  password"]
    lines += [f"{u} {DEMO_ACCOUNTS[u][0]} {p}" for u, p in accounts.items() if u in DEMO_ACCOUNTS]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")


def start_demo(services: Services, secret: bytes, *, demo_dispatcher: bool = True,
               demo_calls: bool = True) -> Demo:
    units, keys = seed_organisation(services, secret)
    accounts = ensure_accounts(services)
    fleet = FleetSimulator(units, services.city.by_id, services.city.districts,
                           seed=services.settings.seed)
    dispatcher = (DemoDispatcher(services.dispatch, services.city, seed=services.settings.seed)
                  if demo_dispatcher else None)
    runner = FleetRunner(fleet, keys, services.ingest.osmand, services.clock,
                         desk=services.dispatch, dispatcher=dispatcher)
    services.bus.subscribe(["dispatches"], runner.on_dispatch)
    runner.tick()  # the first fixes are on the map before the first page loads
    runner.start()
    caseload = demo_caseload(services.desk, services.city, services.clock,
                             seed=services.settings.seed,
                             per_year=services.settings.cases_per_year)
    caseload.start()  # the alert engine loads the cases when the center starts
    calls = (CallRunner(services.tips, services.clock, seed=services.settings.seed,
                        dispatch_desk=services.dispatch) if demo_calls else None)
    if calls is not None:
        calls.start()  # its first tick samples the open cases the calls may name
    return Demo(units, keys, accounts, runner, caseload, calls)
