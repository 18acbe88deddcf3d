"""``ecc``: the command line of API.md. A bad flag or value exits with status 2 naming it."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from collections.abc import Sequence
from typing import Any

from dashboard.settings import Settings, SettingsError, load_settings
from enforcement.errors import DomainError

VERSION = "0.1.0"
EXIT_USAGE = 2


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
    return parser


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


def _services_for_store(args: argparse.Namespace):  # noqa: ANN202
    from dashboard.services import build_services

    settings = load_settings({"db": args.db, "data_dir": args.data_dir, "demo": "false"})
    return build_services(settings)


def user_add(args: argparse.Namespace) -> None:
    from enforcement.credentials import new_password

    services = _services_for_store(args)
    if args.court_id and args.court_id not in services.city.by_id:
        raise UsageError(f"--court {args.court_id}: no such court")
    password = args.password or new_password()
    services.users.add(args.name, password, args.role, court_id=args.court_id,
                       now=services.clock.now())
    print(password)


def unit_add(args: argparse.Namespace) -> None:
    from enforcement.model import Datum, Unit, UnitKind

    services = _services_for_store(args)
    if args.court_id not in services.city.by_id:
        raise UsageError(f"--court {args.court_id}: no such court")
    unit = Unit(id=args.unit_id, court_id=args.court_id, kind=UnitKind(args.kind),
                datum=Datum(args.datum))
    print(services.units.add(unit))


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers: dict[Any, Any] = {("serve", None): lambda: serve(_settings(args)),
                                ("user", "add"): lambda: user_add(args),
                                ("unit", "add"): lambda: unit_add(args)}
    try:
        handlers[(args.command, getattr(args, "action", None))]()
    except (SettingsError, UsageError) as exc:
        print(f"ecc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DomainError as exc:
        field = f" ({exc.field})" if exc.field else ""
        print(f"ecc: error{field}: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    sys.exit(run())
