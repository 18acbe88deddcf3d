"""``ecc``: the command line of API.md. A bad flag or value exits with status 2 naming it."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from dashboard.settings import Settings, SettingsError, load_settings
from enforcement.errors import DomainError

VERSION = "0.1.0"
EXIT_USAGE = 2
EXIT_BROKEN = 1  # ecc audit verify: the chain does not hold


class UsageError(Exception):
    """Bad input on the command line; printed, exit status 2."""


def _store_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="SQLAlchemy URL (default: SQLite file in the data dir); ECC_DB")
    parser.add_argument("--data-dir", dest="data_dir", help="data directory (default: ./var); ECC_DATA_DIR")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ecc", description="Enforcement command center (执行指挥中心)")
    parser.add_argument("--version", action="version", version=f"ecc {VERSION}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the command center")
    serve.add_argument("--host", help="interface (default 127.0.0.1); ECC_HOST")
    serve.add_argument("--port", help="port (default 8050); ECC_PORT")
    _store_flags(serve)
    serve.add_argument("--redis", help="redis:// URL for the bus and Socket.IO fan-out; ECC_REDIS")
    serve.add_argument("--demo", dest="demo", action="store_const", const="true",
                       help="the demo city with simulators (default)")
    serve.add_argument("--no-demo", dest="demo", action="store_const", const="false",
                       help="start empty: no simulators, no demo data")
    serve.add_argument("--seed", help="seed of every simulator; ECC_SEED")
    serve.add_argument("--speed", help="simulated seconds per real second (0 freezes); ECC_SPEED")
    serve.add_argument("--start-at", dest="start_at", help="ISO 8601 instant the clock starts at")
    serve.add_argument("--units", help="simulated field units in demo mode; ECC_UNITS")
    serve.add_argument("--cases-per-year", dest="cases_per_year",
                       help="demo caseload, cases a year (default 40000); ECC_CASES_PER_YEAR")

    user = commands.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    add_user = user.add_parser("add", help="add a user; prints the password it set")
    add_user.add_argument("name")
    add_user.add_argument("--role", required=True)
    add_user.add_argument("--court", dest="court_id")
    add_user.add_argument("--password")
    _store_flags(add_user)

    unit = commands.add_parser("unit", help="manage field units").add_subparsers(dest="action", required=True)
    add_unit = unit.add_parser("add", help="register a unit; prints its device key")
    add_unit.add_argument("unit_id")
    add_unit.add_argument("--court", dest="court_id", required=True)
    add_unit.add_argument("--kind", choices=["foot", "car"], default="foot")
    add_unit.add_argument("--datum", choices=["wgs84", "gcj02", "bd09"], default="wgs84")
    _store_flags(add_unit)
    rotate = unit.add_parser("rotate-key", help="a new device key; the old one stops working")
    rotate.add_argument("unit_id")
    rotate.add_argument("--grace", type=_seconds, default=0,
                        help="seconds the old key keeps working (default 0: stops at once)")
    _store_flags(rotate)
    _bus_flag(rotate)
    _admin_parsers(commands)
    return parser


def _admin_parsers(commands: Any) -> None:
    kiosk = commands.add_parser("kiosk", help="wall displays' read-only tokens").add_subparsers(
        dest="action", required=True)
    add_kiosk = kiosk.add_parser("add", help="issue a kiosk token; prints its URL")
    add_kiosk.add_argument("--court", dest="court_id", required=True)
    add_kiosk.add_argument("--name", help="the display's name (default wall-<court>-<hex>)")
    add_kiosk.add_argument("--days", type=_days, default=30, help="valid this many days (30)")
    add_kiosk.add_argument("--url", dest="base_url",
                           help="the center's address for the printed URL (default from --host/--port)")
    revoke_kiosk = kiosk.add_parser("revoke", help="revoke a kiosk token by its id")
    revoke_kiosk.add_argument("kiosk_id", type=int)
    listing = kiosk.add_parser("list", help="list kiosk tokens")
    token = commands.add_parser("token", help="bearer tokens").add_subparsers(dest="action",
                                                                            required=True)
    revoke_all = token.add_parser("revoke", help="revoke every live token of a user")
    revoke_all.add_argument("username")
    audit = commands.add_parser("audit", help="the audit log").add_subparsers(dest="action",
                                                                            required=True)
    verify = audit.add_parser("verify", help="check the hash chain; exit 0 when intact")
    simulate = commands.add_parser("simulate", help="drive a running server like real devices "
                                   "and callers (needs an admin account)")
    simulate.add_argument("--url", required=True, help="the running center, http://HOST:PORT")
    simulate.add_argument("--units", type=int, default=40, help="simulated field units (default 40)")
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument("--speed", type=float, default=1.0,
                          help="the server's own --speed, so no fix comes from its future")
    simulate.add_argument("--user", default=os.environ.get("ECC_SIM_USER", "admin"),
                          help="an admin account of that server; ECC_SIM_USER")
    simulate.add_argument("--password", default=os.environ.get("ECC_SIM_PASSWORD"),
                          help="its password; ECC_SIM_PASSWORD")
    simulate.add_argument("--duration", type=float, default=0.0,
                          help="stop after so many seconds (default: run until Ctrl-C)")
    for sub in (add_kiosk, revoke_kiosk, listing, revoke_all, verify):
        _store_flags(sub)


def _bus_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--redis", help="redis:// URL: tell running servers at once; ECC_REDIS")


def _seconds(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"--grace {value!r}: a whole number of seconds")
    return int(value)


def _days(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 366:
        raise argparse.ArgumentTypeError(f"--days {value!r}: a whole number from 1 to 366")
    return int(value)


def _settings(args: argparse.Namespace) -> Settings:
    keys = ("host", "port", "db", "redis", "data_dir", "demo", "seed", "speed", "start_at", "units",
            "cases_per_year")
    return load_settings({k: getattr(args, k, None) for k in keys})


def check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror})") from None


def serve(settings: Settings) -> None:
    from dashboard.app import create_app
    from dashboard.demo import read_or_create_secret, start_demo
    from dashboard.services import build_services

    check_port_free(settings.host, settings.port)
    secret = read_or_create_secret(settings.data_dir)
    services = build_services(settings)
    center = create_app(settings, services=services, secret_key=secret.hex())
    if settings.demo:
        print("demo: building the Shenyang caseload (takes a few seconds)…", flush=True)
        demo = start_demo(services, secret)
        center.background += [demo.runner, demo.caseload] + ([demo.calls] if demo.calls else [])
        print(f"demo: {len(demo.units)} field units, {demo.caseload.backfilled} cases; "
              f"accounts and passwords in {demo.accounts_file}")
    center.start()
    print(f"command center on http://{settings.host}:{settings.port}/wall "
          f"(store {settings.store_kind}, bus {settings.bus_kind})", flush=True)
    try:
        center.socketio.run(center.server, host=settings.host, port=settings.port,
                            allow_unsafe_werkzeug=True, use_reloader=False, log_output=False)
    finally:
        center.stop()


def cli_actor():  # noqa: ANN201 - storage.audit.Actor, imported late like the store itself
    """The operator at this terminal, as audit entries name them."""
    from storage.audit import cli_actor as operator

    return operator()


def _services_for_store(args: argparse.Namespace):  # noqa: ANN202
    from dashboard.services import build_services

    settings = load_settings({"db": args.db, "data_dir": args.data_dir, "demo": "false",
                              "redis": getattr(args, "redis", None)})
    return build_services(settings)


def user_add(args: argparse.Namespace) -> None:
    from enforcement.credentials import new_password

    services = _services_for_store(args)
    if args.court_id and args.court_id not in services.city.by_id:
        raise UsageError(f"--court {args.court_id}: no such court")
    password = args.password or new_password()
    services.admin.add_user(args.name, password, args.role, court_id=args.court_id,
                            actor=cli_actor())
    print(password)


def unit_add(args: argparse.Namespace) -> None:
    from enforcement.model import Datum, Unit, UnitKind

    services = _services_for_store(args)
    if args.court_id not in services.city.by_id:
        raise UsageError(f"--court {args.court_id}: no such court")
    unit = Unit(id=args.unit_id, court_id=args.court_id, kind=UnitKind(args.kind),
                datum=Datum(args.datum))
    print(services.admin.add_unit(unit, actor=cli_actor()))


def unit_rotate_key(args: argparse.Namespace) -> None:
    services = _services_for_store(args)
    print(services.admin.rotate_key(args.unit_id, grace=timedelta(seconds=args.grace),
                                    actor=cli_actor()))
    services.bus.close()


def kiosk_add(args: argparse.Namespace) -> None:
    services = _services_for_store(args)
    issued = services.admin.issue_kiosk(court_id=args.court_id, name=args.name, days=args.days,
                                        actor=cli_actor())
    settings = load_settings({})
    base = args.base_url or f"http://{settings.host}:{settings.port}"
    kiosk = issued.kiosk
    print(f"kiosk {kiosk.id} {kiosk.name} court {kiosk.court_id} "
          f"until {kiosk.expires_at.isoformat()}")
    print(f"token {issued.token}")
    print(f"{base.rstrip('/')}/kiosk/{issued.token}")


def kiosk_revoke(args: argparse.Namespace) -> None:
    kiosk = _services_for_store(args).admin.revoke_kiosk(args.kiosk_id, actor=cli_actor())
    print(f"kiosk {kiosk.id} {kiosk.name} revoked")


def kiosk_list(args: argparse.Namespace) -> None:
    for kiosk in _services_for_store(args).kiosks.all():
        state = "revoked" if kiosk.revoked_at else f"until {kiosk.expires_at.isoformat()}"
        print(f"{kiosk.id}\t{kiosk.name}\t{kiosk.court_id}\t{state}")


def token_revoke(args: argparse.Namespace) -> None:
    count = _services_for_store(args).admin.revoke_tokens(args.username, actor=cli_actor())
    print(f"{count} token(s) of {args.username} revoked")


def audit_verify(args: argparse.Namespace) -> int:
    """Exit 0 when the chain holds; 1 naming the first entry that breaks it."""
    checked, broken, head = _services_for_store(args).audit.verify()
    if broken is not None:
        print(f"audit log BROKEN at entry {broken.entry_id}: {broken.reason} "
              f"({checked} entries before it verified)", file=sys.stderr)
        return EXIT_BROKEN
    print(f"audit log intact: {checked} entries, head {head}")
    return 0


def simulate(args: argparse.Namespace) -> int:
    from enforcement.city import load_city
    from simulators.remote import RemotePlan, run_remote

    if not args.password:
        raise UsageError("--password (or ECC_SIM_PASSWORD) is required")
    if args.units < 1 or args.speed < 0 or args.duration < 0:
        raise UsageError("--units must be ≥ 1, --speed and --duration ≥ 0")
    plan = RemotePlan(url=args.url, username=args.user, password=args.password, units=args.units,
                      seed=args.seed, speed=args.speed, duration_s=args.duration)
    try:
        sent = run_remote(plan, load_city())
    except KeyboardInterrupt:
        return 0
    print(" ".join(f"{k}={v}" for k, v in sent.items()))
    return 0


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers: dict[Any, Any] = {("serve", None): lambda: serve(_settings(args)),
                                ("user", "add"): lambda: user_add(args),
                                ("unit", "add"): lambda: unit_add(args),
                                ("unit", "rotate-key"): lambda: unit_rotate_key(args),
                                ("kiosk", "add"): lambda: kiosk_add(args),
                                ("kiosk", "revoke"): lambda: kiosk_revoke(args),
                                ("kiosk", "list"): lambda: kiosk_list(args),
                                ("token", "revoke"): lambda: token_revoke(args),
                                ("audit", "verify"): lambda: audit_verify(args),
                                ("simulate", None): lambda: simulate(args)}
    try:
        code = handlers[(args.command, getattr(args, "action", None))]()
    except (SettingsError, UsageError) as exc:
        print(f"ecc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DomainError as exc:
        field = f" ({exc.field})" if exc.field else ""
        print(f"ecc: error{field}: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    return code or 0


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    sys.exit(run())
