"""The 24-hour line (24小时举报电话) simulated: seeded calls through the real tip desk.

Calibrated to Shenyang's first three months (DOMAIN.md): 2,132 calls in about 90 days (23.7 a
day), 369 of them (17 %) whereabouts or property tips, 284 call-outs. Calls follow the day: busy in
working hours, a trough 01:00–06:00 (Asia/Shanghai). Some tips name a real open case's debtor (by
name, by name and ID, or by case number and name), some repeat an earlier tip within a few hours.

``CallGenerator`` is pure (a seed and a sample of open cases in, payloads out). ``CallRunner`` ticks
each real second like the other runners: each call goes through ``TipDesk.take`` when its time
comes; a few minutes later the simulated call-taker triages it through ``TipDesk.decide`` and, given
the dispatch desk, sends the nearest free unit to an accepted tip that needs one. Refusals
(``DomainError``) are counted and logged, never raised.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from enforcement.calendar import COURT_TZ
from enforcement.clock import Clock
from enforcement.errors import DomainError
from enforcement.places import Gazetteer
from enforcement.tips import Tip, TipKind, TipStatus
from feeds.intake import TipDesk
from simulators.ticking import Ticking

log = logging.getLogger(__name__)

CALLS_PER_DAY = 2132 / 90  # Shenyang, first three months
ACTIONABLE_SHARE = 369 / 2132  # whereabouts or property tips among calls
WHEREABOUTS_SHARE = 0.75  # of actionable tips; the rest are property leads
OTHER_KINDS = {"consultation": 0.55, "complaint": 0.30, "other": 0.15}  # the non-actionable calls
ASSETS = {"vehicle": 0.40, "real_estate": 0.20, "deposit": 0.15, "goods": 0.15, "equity": 0.10}
CALL_OUT_ASSETS = frozenset({"vehicle", "goods"})  # property leads seized on the spot
CHANNELS = {"phone": 0.55, "12368": 0.30, "online": 0.10, "walk_in": 0.05}
# Relative call rate by hour of the day (Asia/Shanghai), 00:00 first.
HOUR_WEIGHTS = (0.35, 0.12, 0.08, 0.08, 0.08, 0.12, 0.35, 0.7, 1.3, 1.8, 1.9, 1.7,
                1.1, 1.4, 1.8, 1.8, 1.6, 1.2, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4)
NAMES_A_CASE = 0.6  # actionable tips about a real open case's debtor
UNRESOLVED = 0.10  # addresses the gazetteer cannot place
REPEAT_SHARE, REPEAT_WITHIN = 0.12, timedelta(hours=4)
URGENT, REWARD = 0.15, 0.05  # of actionable tips
ACCEPT = {"debtor_whereabouts": 0.95, "property_lead": 0.92, "complaint": 0.2,
          "consultation": 0.05, "other": 0.1}
TRIAGE_MINUTES, URGENT_TRIAGE_MINUTES = (2.0, 12.0), (1.0, 3.0)
MAX_PER_TICK = 10  # a clock that jumps does not flood the desk
SAMPLE = 200  # open cases a run's tips may name
DISPATCH_ACTOR, TRIAGE_ACTOR = "demo-dispatcher", "call-taker"

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
            "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆范金石廖贾夏付方白邹孟熊秦邱江尹薛闫段雷侯史陶贺顾毛郝龚邵万")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅鹏飞鑫宇浩晨阳欣怡涵佳琪"
         "思远建国春生海峰立新淑珍凤志永")
MOBILE = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
          "155", "156", "157", "158", "159", "177", "180", "182", "185", "186", "187", "188", "189")
FIRMS = ("鑫盛", "宏达", "恒泰", "金河", "北方", "盛京", "兴隆", "华源", "东联", "辽沈")
TRADES = ("商贸", "建筑工程", "物流", "餐饮管理", "汽车销售", "装饰工程", "房地产开发")
FREE_TEXT = ("城郊一个废品收购站", "他老家村里，具体门牌不清楚", "高速公路服务区",
             "外地一个工地上", "一家洗浴中心里，记不住名字", "郊外的养殖场", "朋友家里，不知道地址")
SPOTS = ("附近", "门口", "停车场", "对面", "东侧")
TEXTS = {
    "debtor_whereabouts": ("看见被执行人{name}在{addr}出现", "被执行人{name}这几天晚上住在{addr}",
                           "{name}在{addr}开店，正在营业", "{name}刚开车到{addr}"),
    "vehicle": ("被执行人{name}名下的车停在{addr}", "{name}的车每天停在{addr}"),
    "real_estate": ("{name}在{addr}有一套房子正在出租",),
    "goods": ("{name}在{addr}的仓库里有一批货准备转移",),
    "deposit": ("{name}在银行有存款，最近有大额进账",),
    "equity": ("{name}持有一家公司的股份，正在办理转让",),
    "complaint": ("案件立案后长时间没有进展", "执行法官电话一直打不通", "对终本裁定有意见"),
    "consultation": ("咨询如何申请强制执行", "咨询执行款什么时候发放", "咨询限制高消费怎么解除",
                     "咨询案件进度"),
    "other": ("反映与执行无关的邻里纠纷", "打错电话", "询问法院地址和上班时间"),
}
REJECT_REASONS = {"debtor_whereabouts": "线索不具体，无法核实", "property_lead": "线索不具体，无法核实",
                  "complaint": "已转信访渠道办理", "consultation": "咨询已当场答复",
                  "other": "非执行事项，已告知来电人"}


class CaseRef(NamedTuple):
    """An open case's debtor a caller may name."""

    case_no: str
    name: str
    id_no: str


@dataclass(frozen=True)
class Call:
    serial: int
    at: datetime
    payload: dict[str, Any]
    repeat_of: int | None = None  # the serial of the call it repeats

    @property
    def kind(self) -> str:
        return self.payload["kind"]


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class CallGenerator:
    """Seeded calls: ``next_at`` draws the next call's time, ``draw`` what the caller says."""

    def __init__(self, *, seed: int, cases: Sequence[CaseRef], gazetteer: Gazetteer | None = None,
                 rate_scale: float = 1.0) -> None:
        self.times = random.Random(f"{seed}:calls:times")
        self.rng = random.Random(f"{seed}:calls:content")
        self.cases = list(cases)
        entries = (gazetteer or Gazetteer.load()).entries
        self.places = sorted((e.name, e.district, e.precision) for e in entries
                             if e.precision != "district")
        self.per_hour = [CALLS_PER_DAY * rate_scale * w / sum(HOUR_WEIGHTS) for w in HOUR_WEIGHTS]
        self.serials = itertools.count(1)
        self.recent: deque[Call] = deque()  # actionable calls of the last REPEAT_WITHIN

    def next_at(self, after: datetime) -> datetime:
        """The next call after ``after`` (a Poisson process following the hour, by thinning)."""
        peak, t = max(self.per_hour), after
        while True:
            t += timedelta(hours=self.times.expovariate(peak))
            if self.times.random() * peak < self.per_hour[t.astimezone(COURT_TZ).hour]:
                return t

    def draw(self, at: datetime) -> Call:
        serial = next(self.serials)
        while self.recent and self.recent[0].at < at - REPEAT_WITHIN:
            self.recent.popleft()
        if self.rng.random() >= ACTIONABLE_SHARE:
            return Call(serial, at, self._other(at))
        if self.recent and self.rng.random() < REPEAT_SHARE:
            call = self._repeat(serial, at, self.rng.choice(self.recent))
        else:
            call = Call(serial, at, self._tip(at))
        self.recent.append(call)
        return call

    def _caller(self, at: datetime) -> dict[str, Any]:
        channel = _pick(self.rng, CHANNELS)
        surname = self.rng.choice(SURNAMES)
        name = (surname + self.rng.choice(("先生", "女士")) if self.rng.random() < 0.6
                else self._person(surname))
        phone = self.rng.choice(MOBILE) + f"{self.rng.randrange(10**8):08d}"
        return {"received_at": at.isoformat(), "channel": channel, "caller_name": name,
                "caller_phone": phone if channel != "online" or self.rng.random() < 0.5 else ""}

    def _person(self, surname: str | None = None) -> str:
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
        return (surname or self.rng.choice(SURNAMES)) + given

    def _debtor(self) -> dict[str, str]:
        if self.cases and self.rng.random() < NAMES_A_CASE:
            case, style = self.rng.choice(self.cases), self.rng.random()
            if style < 0.25 and case.id_no:
                return {"debtor_name": case.name, "debtor_id_no": case.id_no}
            if style < 0.5:
                return {"debtor_name": case.name, "case_no": case.case_no}
            return {"debtor_name": case.name}
        if self.rng.random() < 0.5:
            return {"debtor_name": self._person()}
        return {"debtor_name": f"沈阳{self.rng.choice(FIRMS)}{self.rng.choice(TRADES)}有限公司"}

    def _address(self) -> str:
        if self.rng.random() < UNRESOLVED:
            return self.rng.choice(FREE_TEXT)
        name, district, precision = self.rng.choice(self.places)
        if precision == "street":
            return f"沈阳市{district}{name}{self.rng.randint(1, 300)}号"
        return name + self.rng.choice(SPOTS)

    def _tip(self, at: datetime) -> dict[str, Any]:
        payload = self._caller(at) | self._debtor()
        if self.rng.random() < WHEREABOUTS_SHARE:
            payload["kind"], texts = "debtor_whereabouts", TEXTS["debtor_whereabouts"]
        else:
            payload["kind"] = "property_lead"
            payload["asset_kind"] = _pick(self.rng, ASSETS)
            texts = TEXTS[payload["asset_kind"]]
        text = self.rng.choice(texts)
        if "{addr}" in text:
            payload["address"] = self._address()
        payload["description"] = text.format(name=payload["debtor_name"],
                                             addr=payload.get("address", ""))
        payload["urgent"] = self.rng.random() < URGENT
        payload["reward_claimed"] = self.rng.random() < REWARD
        return payload

    def _repeat(self, serial: int, at: datetime, earlier: Call) -> Call:
        """The same tip again: the same caller calling back, or someone else who saw the same."""
        keep = ("kind", "asset_kind", "debtor_name", "debtor_id_no", "case_no", "address", "urgent",
                "reward_claimed")
        payload = {k: earlier.payload[k] for k in keep if k in earlier.payload}
        caller = self._caller(at)
        if self.rng.random() < 0.5:
            caller |= {k: earlier.payload[k] for k in ("caller_name", "caller_phone")}
        payload |= caller | {"description": "再次反映：" + earlier.payload["description"]}
        return Call(serial, at, payload, repeat_of=earlier.serial)

    def _other(self, at: datetime) -> dict[str, Any]:
        kind = _pick(self.rng, OTHER_KINDS)
        payload = self._caller(at) | {"kind": kind, "description": self.rng.choice(TEXTS[kind])}
        if kind == "complaint" and self.cases and self.rng.random() < 0.5:
            payload["case_no"] = self.rng.choice(self.cases).case_no
        return payload


@dataclass(frozen=True)
class Taken:
    """A call as the desk took it, and what the call-taker will decide."""

    call: Call
    tip_id: int
    accept: bool
    case_no: str | None  # the top candidate to link, if a convincing one
    triage_at: datetime


class CallRunner(Ticking):

    thread_name = "call-simulator"
    def __init__(self, tip_desk: TipDesk, clock: Clock, *, seed: int, rate_scale: float = 1.0,
                 dispatch_desk: Any = None, gazetteer: Gazetteer | None = None,
                 sample: int = SAMPLE, tick_s: float = 1.0) -> None:
        self.desk, self.clock, self.dispatch_desk = tip_desk, clock, dispatch_desk
        self.seed, self.rate_scale, self.sample, self.tick_s = seed, rate_scale, sample, tick_s
        self.gazetteer = gazetteer
        self.decisions = random.Random(f"{seed}:calls:triage")
        self.court_ids = [c.id for c in tip_desk.city.courts]
        self.generator: CallGenerator | None = None  # built on the first tick: samples open cases
        self.next_at: datetime | None = None
        self.log: deque[Taken] = deque(maxlen=10_000)  # the calls taken, newest last
        self._due: list[tuple[datetime, int, Taken]] = []  # heap: triage to do
        self.calls = self.taken = self.accepted = self.rejected = 0
        self.dispatched = self.unanswered = self.refused = 0
        self._lock = threading.Lock()

    def cases(self) -> list[CaseRef]:
        """A seeded sample of the open cases' first debtors, cached for the run."""
        refs = sorted(CaseRef(c.case_no, c.debtors[0].name, c.debtors[0].id_no or "")
                      for c in self.desk.case_desk.cases.open_cases() if c.debtors and not c.closed)
        rng = random.Random(f"{self.seed}:calls:cases")
        return rng.sample(refs, min(self.sample, len(refs)))

    def tick(self) -> int:
        """Take the calls that came in and triage those whose time came; returns calls taken now."""
        now = self.clock.now()
        with self._lock:
            if self.generator is None:
                self.generator = CallGenerator(seed=self.seed, cases=self.cases(),
                                               gazetteer=self.gazetteer, rate_scale=self.rate_scale)
            if self.next_at is None or now - self.next_at > timedelta(hours=1):
                self.next_at = self.generator.next_at(now)
            taken = 0
            while self.next_at <= now and taken < MAX_PER_TICK:
                self._take(self.generator.draw(self.next_at))
                taken += 1
                self.next_at = self.generator.next_at(self.next_at)
            while self._due and self._due[0][0] <= now:
                self._triage(heapq.heappop(self._due)[2])
        return taken

    def _take(self, call: Call) -> None:
        self.calls += 1
        actor = "12368-line" if call.payload["channel"] == "12368" else TRIAGE_ACTOR
        try:
            tip, candidates = self.desk.take(call.payload, actor=actor)
        except DomainError as exc:
            self._refused("call", call.serial, exc)
            return
        self.taken += 1
        top = candidates[0] if candidates else None
        link = top.case_no if top and top.score >= 0.5 and "common_name" not in top.reasons else None
        low, high = URGENT_TRIAGE_MINUTES if tip.urgent else TRIAGE_MINUTES
        delay = timedelta(minutes=self.decisions.uniform(low, high))
        accept = self.decisions.random() < ACCEPT[call.kind]
        taken = Taken(call, int(tip.id or 0), accept, link, call.at + delay)
        self.log.append(taken)
        heapq.heappush(self._due, (taken.triage_at, call.serial, taken))

    def _triage(self, taken: Taken) -> None:
        decision = {"decision": "accept" if taken.accept else "reject", "case_no": taken.case_no,
                    "reason": "" if taken.accept else REJECT_REASONS[taken.call.kind]}
        try:
            tip = self.desk.decide(taken.tip_id, decision, actor=TRIAGE_ACTOR)
        except DomainError as exc:
            self._refused("triage", taken.call.serial, exc)
            return
        if tip.status != TipStatus.ACCEPTED:
            self.rejected += 1
            return
        self.accepted += 1
        if self.dispatch_desk is not None and needs_call_out(tip):
            self._send(tip)

    def _send(self, tip: Tip) -> None:
        """The nearest free unit to the tip's place, as the dispatcher at the console would."""
        assert tip.lat is not None and tip.lon is not None
        try:
            ranking = self.dispatch_desk.nearest(tip.lat, tip.lon, k=3, court_ids=self.court_ids)
            if not ranking.ranked:
                self.unanswered += 1
                return
            target = {"kind": "tip", "ref": str(tip.id), "lat": tip.lat, "lon": tip.lon,
                      "note": f"{tip.description}（{tip.address}）"[:500]}
            self.dispatch_desk.assign({"unit_id": ranking.ranked[0].unit_id, "target": target},
                                      actor=DISPATCH_ACTOR, court_ids=self.court_ids)
            self.dispatched += 1
        except DomainError as exc:
            self._refused("call-out", tip.id, exc)

    def _refused(self, what: str, ref: object, exc: DomainError) -> None:
        self.refused += 1
        log.info("simulated %s %s refused: %s", what, ref, exc.message)

    def stats(self) -> Mapping[str, int]:
        return {"calls": self.calls, "taken": self.taken, "accepted": self.accepted,
                "rejected": self.rejected, "dispatched": self.dispatched,
                "unanswered": self.unanswered, "refused": self.refused, "pending": len(self._due)}


def needs_call_out(tip: Tip) -> bool:
    """Whereabouts tips and vehicles or goods to seize, when the place is on the map."""
    on_map = tip.lat is not None and tip.lon is not None
    kinds = tip.kind == TipKind.DEBTOR_WHEREABOUTS or (
        tip.kind == TipKind.PROPERTY_LEAD and str(tip.asset_kind) in CALL_OUT_ASSETS)
    return on_map and kinds
