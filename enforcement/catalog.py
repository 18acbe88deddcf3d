"""The node catalog (流程节点目录): every legal clock as validated, frozen data.

The catalog is data an administrator may edit (``data/nodes.yaml``, NODES.md §2–3). A malformed
file fails loudly with a ``CatalogError`` naming the file, the row and the field, e.g.
``nodes.yaml row 7 (verify_lead): limit '7x' is not a limit``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml

from enforcement.calendar import Limit
from enforcement.errors import InvalidInput, NotFound

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "nodes.yaml"
DEFAULT_VARIANT = "default"

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIRED = ("id", "name_zh", "name_en", "start", "limit", "kind", "source", "tag", "pausable",
             "points")
_OPTIONAL = ("direction", "lock", "reminders", "extension", "repeat", "notes")
_E = TypeVar("_E", bound=StrEnum)


class CatalogError(InvalidInput):
    """The catalog file cannot be read or breaks a rule; the message names the row and field."""

    code = "invalid_catalog"


class NodeKind(StrEnum):
    URGE = "urge"  # 监督督促: alert and chase
    REMIND = "remind"  # 提示提醒: tell the owner ahead
    HARD = "hard"  # 强制: blocked or locked until done or approved


class Tag(StrEnum):
    T = "T"  # checked against the text
    P = "P"  # partly checked or paraphrased
    M = "M"  # not verified, a plausible default
    L = "L"  # one local court's practice


class Direction(StrEnum):
    AFTER = "after"  # due = start event + limit
    BEFORE = "before"  # due = start event − limit (a notice before an auction)


@dataclass(frozen=True, slots=True)
class Extension:
    """How far a clock may be extended (延长): by ``limit``, at most ``times`` times."""

    limit: Limit
    times: int
    approver: str | None = None


@dataclass(frozen=True, slots=True)
class Repeat:
    """A clock that restarts every ``every`` for ``lasting`` (e.g. 终本 re-query)."""

    every: Limit
    lasting: Limit


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """One row of the catalog: which event starts the clock, how long it runs, what happens."""

    id: str
    name_zh: str
    name_en: str
    start: str
    limits: tuple[tuple[str, Limit], ...]
    kind: NodeKind
    source: str
    tag: Tag
    pausable: frozenset[str]
    points: int
    direction: Direction = Direction.AFTER
    lock: bool = False
    reminders: tuple[int, ...] = ()
    extension: Extension | None = None
    repeat: Repeat | None = None
    notes: str = ""

    @property
    def variants(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.limits)

    def limit(self, variant: str | None = None) -> Limit:
        """The limit for a variant (e.g. ``urgent``, ``real_estate``); None means ``default``."""
        wanted = variant or DEFAULT_VARIANT
        for name, limit in self.limits:
            if name == wanted:
                return limit
        raise InvalidInput(f"node {self.id} has no limit {wanted!r}; choose one of "
                           f"{', '.join(self.variants)}", field="variant")

    def pauses_on(self, reason: str) -> bool:
        """True if a pause with this reason code stops this node's clock."""
        return reason in self.pausable


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """One rung of the escalation ladder (临沭做法): who holds the case, and for how long."""

    stage: str
    holder: str
    period: Limit


@dataclass(frozen=True, slots=True)
class AlertDefaults:
    """NODES.md §3: the upcoming window, lock grace and escalation ladder."""

    levels: tuple[str, ...]
    upcoming_fraction: float
    upcoming_cap: Limit
    lock_grace: Limit
    escalation: tuple[EscalationStep, ...]
    legal_escalation_node: str
    legal_escalation_after: Limit


@dataclass(frozen=True)
class Catalog:
    """All nodes in file order, the pause reasons they refer to, and the alert defaults."""

    nodes: tuple[NodeSpec, ...]
    alerts: AlertDefaults
    pause_reasons: Mapping[str, str]
    _by_id: Mapping[str, NodeSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", MappingProxyType({n.id: n for n in self.nodes}))

    def get(self, node_id: str) -> NodeSpec:
        try:
            return self._by_id[node_id]
        except KeyError:
            raise NotFound(f"no node {node_id!r} in the catalog", field="node_id") from None

    def __iter__(self) -> Iterator[NodeSpec]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._by_id


@dataclass(frozen=True, slots=True)
class _Where:
    """Where in the file a value came from, for error messages."""

    file: str
    place: str

    def error(self, field: str, message: str) -> CatalogError:
        return CatalogError(f"{self.file} {self.place}: {message}", field=field)


def load_catalog(path: Path | str = DEFAULT_PATH) -> Catalog:
    """Read and validate a catalog file; raise ``CatalogError`` on anything malformed."""
    path = Path(path)
    top = _Where(path.name, "top level")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path.name}: cannot read the catalog: {exc}", field="file") from exc
    document = _mapping(document, "document", top)
    reasons = _pause_reasons(document.get("pause_reasons"), top)
    rows = document.get("nodes")
    if not isinstance(rows, list) or not rows:
        raise top.error("nodes", "nodes must be a non-empty list")
    nodes = tuple(_node(row, i, path.name, reasons) for i, row in enumerate(rows, start=1))
    _check_unique(nodes, path.name)
    alerts = _alerts(document.get("alerts"), _Where(path.name, "alerts"), nodes)
    return Catalog(nodes=nodes, alerts=alerts, pause_reasons=MappingProxyType(reasons))


def _parse_limit(value: object, field: str, where: _Where) -> Limit:
    """A ``Limit`` from a catalog value, or a ``CatalogError`` naming the field."""
    if not isinstance(value, str):
        raise where.error(field, f"{field} {value!r} is not a limit")
    try:
        return Limit.parse(value)
    except InvalidInput:
        raise where.error(field, f"{field} {value!r} is not a limit") from None


def _node(raw: object, number: int, file: str, reasons: Mapping[str, str]) -> NodeSpec:
    node_id = raw.get("id") if isinstance(raw, dict) else None
    where = _Where(file, f"row {number}" + (f" ({node_id})" if isinstance(node_id, str) else ""))
    row = _mapping(raw, "row", where)
    _check_keys(row, where)
    kind = _enum(row, "kind", NodeKind, where)
    return NodeSpec(
        id=_name(row, "id", where), name_zh=_text(row, "name_zh", where),
        name_en=_text(row, "name_en", where), start=_name(row, "start", where),
        limits=_limits(row["limit"], where), kind=kind, source=_text(row, "source", where),
        tag=_enum(row, "tag", Tag, where), pausable=_pausable(row, reasons, where),
        points=_integer(row.get("points"), "points", where, minimum=0),
        direction=_enum(row, "direction", Direction, where, Direction.AFTER),
        lock=_flag(row, "lock", where, default=kind is NodeKind.HARD),
        reminders=_reminders(row, where), extension=_extension(row, where),
        repeat=_repeat(row, where), notes=_text(row, "notes", where, default=""),
    )


def _check_keys(row: dict[str, Any], where: _Where) -> None:
    missing = [key for key in _REQUIRED if key not in row]
    if missing:
        raise where.error(missing[0], f"{missing[0]} is missing")
    unknown = sorted(set(row) - set(_REQUIRED) - set(_OPTIONAL), key=str)
    if unknown:
        raise where.error(str(unknown[0]), f"unknown field {unknown[0]!r}")


def _limits(value: object, where: _Where) -> tuple[tuple[str, Limit], ...]:
    if isinstance(value, str):
        return ((DEFAULT_VARIANT, _parse_limit(value, "limit", where)),)
    if not isinstance(value, dict) or not value:
        raise where.error("limit", f"limit {value!r} is not a limit or a map of limits")
    return tuple((_variant(name, where), _parse_limit(text, f"limit.{name}", where))
                 for name, text in value.items())


def _variant(name: object, where: _Where) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise where.error("limit", f"limit variant {name!r} is not a snake_case name")
    return name


def _pausable(row: dict[str, Any], reasons: Mapping[str, str], where: _Where) -> frozenset[str]:
    value = row["pausable"]
    if not isinstance(value, list):
        raise where.error("pausable", f"pausable {value!r} is not a list of pause reasons")
    for reason in value:
        if reason not in reasons:
            raise where.error("pausable", f"pausable {reason!r} is not a known pause reason "
                              f"({', '.join(reasons)})")
    return frozenset(value)


def _reminders(row: dict[str, Any], where: _Where) -> tuple[int, ...]:
    value = row.get("reminders", [])
    if not isinstance(value, list):
        raise where.error("reminders", f"reminders {value!r} is not a list of days")
    days = [_integer(day, "reminders", where, minimum=1) for day in value]
    return tuple(sorted(days, reverse=True))


def _extension(row: dict[str, Any], where: _Where) -> Extension | None:
    if row.get("extension") is None:
        return None
    raw = _mapping(row["extension"], "extension", where)
    approver = raw.get("approver")
    if approver is not None and not isinstance(approver, str):
        raise where.error("extension.approver", f"extension.approver {approver!r} is not text")
    return Extension(limit=_parse_limit(raw.get("limit"), "extension.limit", where),
                     times=_integer(raw.get("times", 1), "extension.times", where, minimum=1),
                     approver=approver)


def _repeat(row: dict[str, Any], where: _Where) -> Repeat | None:
    if row.get("repeat") is None:
        return None
    raw = _mapping(row["repeat"], "repeat", where)
    return Repeat(every=_parse_limit(raw.get("every"), "repeat.every", where),
                  lasting=_parse_limit(raw.get("for"), "repeat.for", where))


def _pause_reasons(value: object, where: _Where) -> dict[str, str]:
    reasons = _mapping(value, "pause_reasons", where)
    for code, label in reasons.items():
        if not isinstance(code, str) or not _NAME.match(code) or not isinstance(label, str):
            raise where.error("pause_reasons", f"pause reason {code!r}: {label!r} is not "
                              "a snake_case code with a name")
    return dict(reasons)


def _alerts(value: object, where: _Where, nodes: tuple[NodeSpec, ...]) -> AlertDefaults:
    raw = _mapping(value, "alerts", where)
    upcoming = _mapping(raw.get("upcoming"), "upcoming", where)
    legal = _mapping(raw.get("legal_escalation"), "legal_escalation", where)
    legal_node = _name(legal, "node", where)
    if legal_node not in {node.id for node in nodes}:
        raise where.error("legal_escalation.node", f"legal_escalation.node {legal_node!r} "
                          "is not a node id")
    return AlertDefaults(
        levels=tuple(_names(raw.get("levels"), "levels", where)),
        upcoming_fraction=_fraction(upcoming.get("fraction"), "upcoming.fraction", where),
        upcoming_cap=_parse_limit(upcoming.get("cap"), "upcoming.cap", where),
        lock_grace=_parse_limit(raw.get("lock_grace"), "lock_grace", where),
        escalation=_escalation(raw.get("escalation"), where),
        legal_escalation_node=legal_node,
        legal_escalation_after=_parse_limit(legal.get("after"), "legal_escalation.after", where),
    )


def _escalation(value: object, where: _Where) -> tuple[EscalationStep, ...]:
    if not isinstance(value, list) or not value:
        raise where.error("escalation", "escalation must be a non-empty list of steps")
    steps = []
    for number, raw in enumerate(value, start=1):
        step = _Where(where.file, f"alerts escalation step {number}")
        item = _mapping(raw, "escalation", step)
        steps.append(EscalationStep(stage=_name(item, "stage", step),
                                    holder=_name(item, "holder", step),
                                    period=_parse_limit(item.get("period"), "period", step)))
    return tuple(steps)


def _check_unique(nodes: tuple[NodeSpec, ...], file: str) -> None:
    seen: set[str] = set()
    for number, node in enumerate(nodes, start=1):
        if node.id in seen:
            raise _Where(file, f"row {number} ({node.id})").error("id", f"id {node.id!r} is "
                                                                   "used twice")
        seen.add(node.id)


def _mapping(value: object, field: str, where: _Where) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.error(field, f"{field} must be a mapping, not {type(value).__name__}")
    return value


def _text(row: dict[str, Any], key: str, where: _Where, default: str | None = None) -> str:
    value = row.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise where.error(key, f"{key} {value!r} is not text")
    return value


def _name(row: dict[str, Any], key: str, where: _Where) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not _NAME.match(value):
        raise where.error(key, f"{key} {value!r} is not a snake_case name")
    return value


def _names(value: object, field: str, where: _Where) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise where.error(field, f"{field} {value!r} is not a list of names")
    return value


def _enum(row: dict[str, Any], key: str, enum: type[_E], where: _Where,
          default: _E | None = None) -> _E:
    value = row.get(key, default)
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise where.error(key, f"{key} {value!r} is not one of {choices}") from None


def _integer(value: object, field: str, where: _Where, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise where.error(field, f"{field} {value!r} is not a whole number ≥ {minimum}")
    return value


def _flag(row: dict[str, Any], key: str, where: _Where, *, default: bool) -> bool:
    value = row.get(key, default)
    if not isinstance(value, bool):
        raise where.error(key, f"{key} {value!r} is not true or false")
    return value


def _fraction(value: object, field: str, where: _Where) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise where.error(field, f"{field} {value!r} is not a fraction in (0, 1]")
    return float(value)
