"""How events move a case through its nodes (流程), and the gates that refuse an action (程序自控).

``Flow.open_case`` files a case and starts the clocks that filing starts; ``Flow.apply`` takes one
event and returns the next state, or raises ``GateRefused`` (409) naming every failed condition, or
``InvalidInput`` naming a bad field. Which event starts which node is read from the catalog's
``start`` column, so a new node in ``data/nodes.yaml`` needs no code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from enforcement.calendar import CHINA, WorkCalendar, add_months, due_at, local_date
from enforcement.cases import (
    ALIASES,
    Case,
    CaseType,
    Clock,
    Disposition,
    Measure,
    Pause,
    Recovery,
    parse_enum,
)
from enforcement.catalog import Catalog, Direction
from enforcement.errors import Conflict, InvalidInput

DISPOSAL_NODES = frozenset({"reference_price_start", "online_inquiry_report", "appraisal_report",
                            "sale_start", "reauction", "sale_ruling", "hand_over"})
# a preservation case (执保) only keeps seized property safe: no notice, no survey, no disposal
NOT_FOR_PRESERVATION = frozenset({"conclusion", "higher_court_right", "execution_notice_legal",
                                  "execution_notice", "ask_leads", "investigation_done",
                                  "reference_price_start"})
MEASURE_KINDS = ("freeze", "seize", "impound")
ASSETS = ("deposit", "movable", "real_estate", "other_right")
STEPS = ("consumption_restriction", "dishonest_listing", "debtor_search", "applicant_interview",
         "debtor_missing")
STEP_DONE_BY_NODE = {"execution_notice": "notice", "network_query": "network_query",
                     "investigation_done": "investigation"}
GATE_TEXT = {
    "locked": "案件已锁定，须经上级审批解锁 (case locked)",
    "closed": "案件已结案 (case closed)",
    "not_paused": "中止、暂缓中的案件不得结案 (case is paused)",
    "no_disposal_pending": "财产处置未完成 (property still in disposal)",
    "funds_paid_out": "案款未发放完毕 (received funds not paid out)",
    "three_months": "立案未满三个月 (less than 3 months since filing)",
    "notice_sent": "未发出执行通知书、报告财产令 (notice not sent)",
    "consumption_restricted": "未限制消费 (no consumption restriction)",
    "dishonest_listed": "未纳入失信名单 (debtor not listed)",
    "investigation_exhausted": "财产调查措施未穷尽 (investigation not exhausted)",
    "applicant_interviewed": "未约谈申请执行人 (applicant not interviewed)",
    "missing_debtor_searched": "未查找下落不明的被执行人 (missing debtor not searched)",
}


def _applies(case: Case, node: str) -> bool:
    return case.case_type != CaseType.PRESERVATION or node not in NOT_FOR_PRESERVATION


def zhongben_gates(case: Case, at: datetime, *, leads_pending: bool | None = None) -> list[str]:
    """终本规定 第1条 and 第5条: every gate a 终本 closing at ``at`` fails (empty: it may close).

    ``leads_pending`` says whether a property lead was still unverified at ``at``; by default, whether
    a ``verify_lead`` clock is open now (the KPIs ask it of a case already closed, see ``facts``).
    """
    if leads_pending is None:
        leads_pending = any(c.node == "verify_lead" for c in case.open_clocks())
    steps = case.steps
    checks = {
        "three_months": local_date(at) > add_months(local_date(case.filed_at), 3),
        "notice_sent": "notice" in steps,
        "consumption_restricted": "consumption_restriction" in steps,
        "dishonest_listed": "dishonest_listing" in steps,
        "investigation_exhausted": {"network_query", "investigation"} <= steps and not leads_pending,
        "applicant_interviewed": "applicant_interview" in steps,
        "missing_debtor_searched": "debtor_missing" not in steps or "debtor_search" in steps,
    }
    return [gate for gate, ok in checks.items() if not ok]


class GateRefused(Conflict):
    """The rules forbid this action now; ``gates`` names every condition that failed."""

    code = "gate"

    def __init__(self, gates: list[str]) -> None:
        text = "; ".join(GATE_TEXT.get(g, g) for g in gates)
        super().__init__(f"refused: {text}", field=gates[0])
        self.gates = gates

    def as_dict(self) -> dict[str, Any]:
        return super().as_dict() | {"gates": self.gates}


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    at: datetime
    data: Mapping[str, Any]

    def text(self, name: str, *, required: bool = True) -> str | None:
        value = self.data.get(name)
        if value in (None, ""):
            if required:
                raise InvalidInput(f"{self.type} needs {name}", field=name)
            return None
        if not isinstance(value, str | int) or len(str(value)) > 64:
            raise InvalidInput(f"{name} must be a short text", field=name)
        return str(value)

    def amount(self, name: str = "amount") -> float:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e13:
            raise InvalidInput(f"{name} must be a positive number of yuan", field=name)
        return float(value)

    def choice(self, name: str, choices: tuple[str, ...]) -> str:
        value = self.text(name)
        if value not in choices:
            raise InvalidInput(f"{name} must be one of {', '.join(choices)}", field=name)
        return value


class Flow:
    def __init__(self, catalog: Catalog, calendar: WorkCalendar = CHINA) -> None:
        self.catalog, self.calendar = catalog, calendar
        self.handlers: dict[str, Callable[[Case, Event], Case]] = {
            "handler_assigned": self._handler_assigned, "node_done": self._node_done,
            "lead_received": self._lead_received, "measure": self._measure,
            "measure_renewed": self._measure_renewed, "measure_released": self._measure_released,
            "pause": self._pause, "resume": self._resume, "funds_received": self._funds_received,
            "funds_paid": self._funds_paid, "petition_received": self._petition_received,
            "petition_logged": self._petition_logged, "objection_received": self._objection,
            "action": self._action, "close": self._close,
            "inquiry_commissioned": self._disposal_step, "appraisal_commissioned": self._disposal_step,
            "price_fixed": self._disposal_step, "auction_scheduled": self._disposal_step,
            "auction_failed": self._disposal_step,
            "paid_in_full": self._disposal_step, "sale_ruling_served": self._disposal_step,
        }

    # ---- filing and clocks ------------------------------------------------------------------

    def open_case(self, case: Case) -> Case:
        """A newly filed case with the clocks that filing starts (立案即起算)."""
        variant = {"conclusion": "non_litigation" if case.non_litigation else "default"}
        clocks = tuple(self._clock(case, n, "", case.filed_at, variant.get(n, "default"))
                       for n in self._started_by("filed") if _applies(case, n))
        return replace(case, clocks=clocks, version=1)

    def _started_by(self, start: str) -> list[str]:
        return [n.id for n in self.catalog if n.start == start and n.direction == Direction.AFTER]

    def _clock(self, case: Case, node: str, instance: str, at: datetime,
               variant: str = "default") -> Clock:
        clock = Clock(node=node, instance=instance, started_at=at, variant=variant)
        return replace(clock, due_at=self.due(case, clock))

    def due(self, case: Case, clock: Clock) -> datetime | None:
        """When this clock runs out, net of the case's pauses that stop it; None while paused."""
        spec = self.catalog.get(clock.node)
        pauses = [(p.start, p.end) for p in case.pauses if spec.pauses_on(p.reason)]
        return due_at(clock.started_at, spec.limit(clock.variant), pauses=pauses,
                      calendar=self.calendar)

    def _start(self, case: Case, start: str, at: datetime, instance: str = "",
               variant: str = "default") -> Case:
        new = [self._clock(case, n, instance, at, variant)
               for n in self._started_by(start) if _applies(case, n)]
        return replace(case, clocks=case.clocks + tuple(new))

    def _end(self, case: Case, at: datetime, keep: Callable[[Clock], bool]) -> Case:
        """Mark done every open clock for which ``keep`` is False."""
        clocks = tuple(c if not c.open or keep(c) else replace(c, done_at=at) for c in case.clocks)
        return replace(case, clocks=clocks)

    def _end_nodes(self, case: Case, at: datetime, nodes: set[str], instance: str | None = None) -> Case:
        return self._end(case, at, lambda c: c.node not in nodes
                         or (instance is not None and c.instance != instance))

    def _recompute_dues(self, case: Case) -> Case:
        clocks = tuple(replace(c, due_at=self.due(case, c)) if c.open else c for c in case.clocks)
        return replace(case, clocks=clocks)

    # ---- events -----------------------------------------------------------------------------

    def apply(self, case: Case, event: Event) -> Case:
        handler = self.handlers.get(event.type)
        if handler is None:
            raise InvalidInput(f"unknown event type {event.type!r} (one of "
                               f"{', '.join(sorted(self.handlers))})", field="type")
        if event.at < case.filed_at:
            raise InvalidInput("an event cannot precede the filing", field="at")
        self._check_open(case, event)
        return handler(case, event).evolve()

    def _check_open(self, case: Case, event: Event) -> None:
        if case.locked_at is not None:
            raise GateRefused(["locked"])
        after_close = event.type in {"measure_renewed", "measure_released", "node_done"}
        if case.closed and not (case.disposition == Disposition.ZHONGBEN and after_close):
            raise GateRefused(["closed"])

    def _handler_assigned(self, case: Case, event: Event) -> Case:
        officer = event.text("officer_id")
        case = replace(case, handler_id=officer, team_id=event.text("team_id", required=False)
                       or case.team_id)
        case = self._end_nodes(case, event.at, {"assign_handler"})
        return self._start(case, "handler_assigned", event.at)

    def _node_done(self, case: Case, event: Event) -> Case:
        node = event.text("node")
        if node not in self.catalog:
            raise InvalidInput(f"unknown node {node!r}", field="node")
        instance = event.text("instance", required=False)
        open_ones = [c for c in case.open_clocks() if c.node == node
                     and (instance is None or c.instance == instance)]
        if not open_ones:
            raise Conflict(f"node {node} is not running on this case", field="node")
        ended = {node} | ({"execution_notice_legal"} if node == "execution_notice" else set())
        case = self._end_nodes(case, event.at, ended, instance)
        step = STEP_DONE_BY_NODE.get(node)
        case = replace(case, steps=case.steps | {step}) if step else case
        return self._repeat(case, node, open_ones[0], event.at)

    def _repeat(self, case: Case, node: str, done: Clock, at: datetime) -> Case:
        """A repeating clock (终本 re-query every 6 months for 5 years) starts its next round."""
        spec = self.catalog.get(node)
        first = next(c for c in case.clocks if c.key == done.key)
        if spec.repeat is None or due_at(first.started_at, spec.repeat.lasting) <= at:
            return case
        return replace(case, clocks=case.clocks + (self._clock(case, node, done.instance, at),))

    def _lead_received(self, case: Case, event: Event) -> Case:
        lead = event.text("lead_id")
        if case.clock("verify_lead", lead):
            raise Conflict(f"lead {lead} was already received", field="lead_id")
        variant = "urgent" if event.data.get("urgent") is True else "default"
        return self._start(case, "lead_received", event.at, lead, variant)

    def _measure(self, case: Case, event: Event) -> Case:
        measure_id = event.text("measure_id")
        kind, asset = event.choice("kind", MEASURE_KINDS), event.choice("asset", ASSETS)
        if any(m.id == measure_id for m in case.measures):
            raise Conflict(f"measure {measure_id} exists", field="measure_id")
        case = replace(case, measures=case.measures + (Measure(measure_id, kind, asset, event.at),))
        case = self._start(case, "measure_taken", event.at, measure_id, asset)
        return self._start(case, "seized", event.at, measure_id) if kind != "freeze" else case

    def _active_measure(self, case: Case, event: Event) -> Measure:
        measure_id = event.text("measure_id")
        found = next((m for m in case.measures if m.id == measure_id), None)
        if found is None or found.released_at is not None:
            raise Conflict(f"no active measure {measure_id}", field="measure_id")
        return found

    def _measure_renewed(self, case: Case, event: Event) -> Case:
        measure = self._active_measure(case, event)
        case = self._end_nodes(case, event.at, {"seizure_expiry"}, measure.id)
        return self._start(case, "measure_taken", event.at, measure.id, measure.asset)

    def _measure_released(self, case: Case, event: Event) -> Case:
        measure = self._active_measure(case, event)
        measures = tuple(replace(m, released_at=event.at) if m.id == measure.id else m
                         for m in case.measures)
        return self._end_nodes(replace(case, measures=measures), event.at,
                               {"seizure_expiry", "reference_price_start"}, measure.id)

    def _disposal_step(self, case: Case, event: Event) -> Case:
        ends = {"inquiry_commissioned": {"reference_price_start"},
                "appraisal_commissioned": {"reference_price_start"},
                "price_fixed": {"appraisal_report", "online_inquiry_report"},
                "auction_scheduled": {"sale_start", "reauction"},
                "auction_failed": {"sale_start", "reauction"},
                "paid_in_full": {"sale_start", "reauction"},
                "sale_ruling_served": {"sale_ruling"}}[event.type]
        case = self._end_nodes(case, event.at, ends)
        return self._start(case, event.type, event.at)

    def _pause(self, case: Case, event: Event) -> Case:
        reason = self._reason(event)
        if any(p.reason == reason and p.end is None for p in case.pauses):
            raise Conflict(f"the case is already paused for {reason}", field="reason")
        return self._recompute_dues(replace(case, pauses=case.pauses + (Pause(reason, event.at),)))

    def _resume(self, case: Case, event: Event) -> Case:
        open_pauses = [p for p in case.pauses if p.end is None]
        reason = self._reason(event) if event.data.get("reason") else None
        target = next((p for p in open_pauses if reason in (None, p.reason)), None)
        if target is None:
            raise Conflict("the case is not paused" + (f" for {reason}" if reason else ""),
                           field="reason")
        pauses = tuple(replace(p, end=event.at) if p is target else p for p in case.pauses)
        return self._recompute_dues(replace(case, pauses=pauses))

    def _reason(self, event: Event) -> str:
        raw = event.text("reason")
        reason = ALIASES.get(raw, raw)
        if reason not in self.catalog.pause_reasons:
            names = ", ".join(f"{code} ({zh})" for code, zh in self.catalog.pause_reasons.items())
            raise InvalidInput(f"unknown pause reason {raw!r}; one of {names}", field="reason")
        return reason

    def _funds_received(self, case: Case, event: Event) -> Case:
        amount = event.amount()
        instance = f"F{sum(1 for c in case.clocks if c.node == 'payout') + 1}"
        return self._start(replace(case, received=case.received + amount), "funds_received",
                           event.at, instance)

    def _funds_paid(self, case: Case, event: Event) -> Case:
        amount = event.amount()
        if case.paid + amount > case.received + 0.005:
            raise Conflict(f"paying {amount:.2f} would exceed the {case.received - case.paid:.2f} "
                           "yuan held for this case", field="amount")
        case = replace(case, paid=case.paid + amount)
        if case.paid + 0.005 >= case.received:
            return self._end_nodes(case, event.at, {"payout"})
        oldest = next((c for c in case.open_clocks() if c.node == "payout"), None)
        return self._end_nodes(case, event.at, {"payout"}, oldest.instance) if oldest else case

    def _petition_received(self, case: Case, event: Event) -> Case:
        return self._start(case, "petition_received", event.at, event.text("petition_id"))

    def _petition_logged(self, case: Case, event: Event) -> Case:
        petition = event.text("petition_id")
        case = self._end_nodes(case, event.at, {"petition_log"}, petition)
        return self._start(case, "petition_logged", event.at, petition)

    def _objection(self, case: Case, event: Event) -> Case:
        return self._start(case, "objection_received", event.at, event.text("objection_id"))

    def _action(self, case: Case, event: Event) -> Case:
        step = event.choice("step", STEPS)
        case = replace(case, steps=case.steps | {step})
        return self._start(case, "listed", event.at) if step == "dishonest_listing" else case

    # ---- closing ----------------------------------------------------------------------------

    def _close(self, case: Case, event: Event) -> Case:
        disposition = parse_enum(Disposition, event.data.get("disposition"), "disposition")
        recovery = None
        if disposition == Disposition.EXECUTED_IN_FULL:
            recovery = parse_enum(Recovery, event.data.get("how"), "how")
        recovered = event.data.get("recovered", 0) or 0
        if isinstance(recovered, bool) or not isinstance(recovered, int | float) or recovered < 0:
            raise InvalidInput("recovered must be a non-negative number of yuan", field="recovered")
        failed = self.closing_gates(case, disposition, event.at)
        if failed:
            raise GateRefused(failed)
        keep_open = {"seizure_expiry", "dishonest_listing"} if disposition == Disposition.ZHONGBEN \
            else set()
        case = self._end(case, event.at, lambda c: c.node in keep_open)
        case = replace(case, closed_at=event.at, disposition=disposition, recovery=recovery,
                       recovered=float(recovered))
        return self._start(case, "zhongben_ruled", event.at) if disposition == Disposition.ZHONGBEN \
            else case

    def closing_gates(self, case: Case, disposition: Disposition, at: datetime) -> list[str]:
        """Every gate that forbids closing now (empty: closing is allowed)."""
        failed = []
        if case.open_pause is not None and case.open_pause.reason in {"suspension", "deferral"}:
            failed.append("not_paused")
        if any(c.node in DISPOSAL_NODES for c in case.open_clocks()):
            failed.append("no_disposal_pending")
        if case.received > case.paid + 0.005:
            failed.append("funds_paid_out")
        if disposition == Disposition.ZHONGBEN:
            failed += self.zhongben_gates(case, at)
        return failed

    def zhongben_gates(self, case: Case, at: datetime) -> list[str]:
        """终本规定 第1条 and 第5条: what must be done before a case may be closed for now."""
        return zhongben_gates(case, at)

    # ---- lock ---------------------------------------------------------------------------------

    def lock(self, case: Case, at: datetime) -> Case:
        return case if case.locked_at else case.evolve(locked_at=at)

    def unlock(self, case: Case) -> Case:
        if case.locked_at is None:
            raise Conflict("the case is not locked", field="case_no")
        return case.evolve(locked_at=None)
