"""An enforcement case (执行案件) and its clocks, as plain immutable data.

A ``Case`` carries its node clocks (one ``Clock`` per node instance: a seizure has one per measure, a
lead one per lead), its pauses, measures, money, the steps the 终本 gate asks for, its lock and, once
closed, its disposition. ``enforcement.flow`` moves a case from one state to the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from enforcement.errors import InvalidInput


class CaseType(StrEnum):
    FIRST = "first"  # 执 (首次执行)
    RESUMED = "resumed"  # 执恢
    PRESERVATION = "preservation"  # 执保


class DebtorType(StrEnum):
    NATURAL_PERSON = "natural_person"  # 自然人
    INDIVIDUAL_BUSINESS = "individual_business"  # 个体工商户 (rolls up to 自然人)
    FOR_PROFIT = "for_profit"  # 营利法人
    NON_PROFIT = "non_profit"  # 非营利法人
    SPECIAL_LEGAL_PERSON = "special_legal_person"  # 特别法人 (机关等)
    UNINCORPORATED = "unincorporated"  # 非法人组织


class Disposition(StrEnum):
    EXECUTED_IN_FULL = "executed_in_full"  # 执行完毕
    ZHONGBEN = "zhongben"  # 终结本次执行程序
    TERMINATED = "terminated"  # 终结执行
    WITHDRAWN = "withdrawn"  # 销案
    NOT_ENFORCED = "not_enforced"  # 不予执行
    REJECTED = "rejected"  # 驳回申请


class Recovery(StrEnum):
    """How a case executed in full got its money (执行完毕的方式)."""

    VOLUNTARY = "voluntary"  # 自动履行
    COERCION = "coercion"  # 强制执行
    SETTLEMENT = "settlement"  # 和解履行完毕


class Track(StrEnum):
    FAST = "fast"  # 速执
    ORDINARY = "ordinary"  # 普执
    SPECIAL = "special"  # 特执


ALIASES: dict[str, str] = {  # the Chinese names a court user types, to the codes
    "执": "first", "首执": "first", "执恢": "resumed", "执保": "preservation",
    "自然人": "natural_person", "个体工商户": "individual_business", "法人": "for_profit",
    "营利法人": "for_profit", "非营利法人": "non_profit", "特别法人": "special_legal_person",
    "机关法人": "special_legal_person", "非法人组织": "unincorporated",
    "执行完毕": "executed_in_full", "终本": "zhongben", "终结本次执行程序": "zhongben",
    "终结执行": "terminated", "销案": "withdrawn", "不予执行": "not_enforced",
    "驳回申请": "rejected", "自动履行": "voluntary", "强制执行": "coercion", "和解": "settlement",
    "中止": "suspension", "暂缓": "deferral", "公告": "publication", "评估": "appraisal",
    "拍卖变卖": "auction_sale", "请示": "higher_court_request", "协调": "coordination",
    "管辖争议": "jurisdiction_dispute",
}


E = TypeVar("E", bound=StrEnum)


def parse_enum(kind: type[E], value: object, field_name: str) -> E:
    """A code or its Chinese name; InvalidInput naming the field and the choices otherwise."""
    text = ALIASES.get(str(value), str(value)) if value is not None else ""
    try:
        return kind(text)
    except ValueError:
        choices = ", ".join(k.value for k in kind)
        raise InvalidInput(f"{value!r} is not one of {choices}", field=field_name) from None


@dataclass(frozen=True, slots=True)
class Debtor:
    name: str
    debtor_type: DebtorType
    id_no: str | None = None  # 身份证号 / 统一社会信用代码


@dataclass(frozen=True, slots=True)
class Clock:
    """One running (or finished) node clock of a case."""

    node: str
    instance: str  # "" for a node that runs once; else the measure, lead, petition id
    started_at: datetime
    variant: str = "default"  # which limit applies: urgent, real_estate, non_litigation, …
    done_at: datetime | None = None
    due_at: datetime | None = None  # None while a pause stops it

    @property
    def key(self) -> tuple[str, str]:
        return self.node, self.instance

    @property
    def open(self) -> bool:
        return self.done_at is None


@dataclass(frozen=True, slots=True)
class Pause:
    reason: str  # a pause reason code of the catalog
    start: datetime
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class Measure:
    id: str
    kind: str  # freeze / seize / impound
    asset: str  # deposit / movable / real_estate / other_right
    taken_at: datetime
    released_at: datetime | None = None


@dataclass(frozen=True)
class Case:
    case_no: str
    court_id: str
    case_type: CaseType
    filed_at: datetime
    amount: float  # yuan applied for (申请执行标的)
    debtors: tuple[Debtor, ...]
    applicants: tuple[str, ...] = ()
    preserved: bool = False  # property preserved before enforcement (诉前/诉讼保全)
    non_litigation: bool = False  # 非诉执行: 3-month conclusion clock
    track: Track = Track.ORDINARY
    team_id: str | None = None
    handler_id: str | None = None
    clocks: tuple[Clock, ...] = ()
    pauses: tuple[Pause, ...] = ()
    measures: tuple[Measure, ...] = ()
    steps: frozenset[str] = frozenset()  # gate steps done: notice, consumption_restriction, …
    received: float = 0.0  # funds received (案款到账)
    paid: float = 0.0  # funds paid out (案款发放)
    locked_at: datetime | None = None
    closed_at: datetime | None = None
    disposition: Disposition | None = None
    recovery: Recovery | None = None
    recovered: float = 0.0  # yuan actually recovered (实际到位)
    version: int = 0
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def debtor_type(self) -> DebtorType:
        return self.debtors[0].debtor_type if self.debtors else DebtorType.NATURAL_PERSON

    @property
    def open_pause(self) -> Pause | None:
        return next((p for p in self.pauses if p.end is None), None)

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def clock(self, node: str, instance: str = "") -> Clock | None:
        """The latest clock of a node instance (a renewed seizure has several)."""
        found = [c for c in self.clocks if c.key == (node, instance)]
        return found[-1] if found else None

    def open_clocks(self) -> list[Clock]:
        return [c for c in self.clocks if c.open]

    def evolve(self, **changes: object) -> Case:
        return replace(self, version=self.version + 1, **changes)
