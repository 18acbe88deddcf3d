"""Simulated officers answer dispatches through the real desk: acknowledge, drive, trip the arrival
geofence with their own fixes, stay on scene, report an outcome; some are late; all seeded."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from dashboard.demo import seed_organisation
from dashboard.services import Services, build_services
from dashboard.settings import load_settings
from enforcement.clock import FrozenClock
from enforcement.dispatches import ARRIVAL_RADIUS_M, MEASURES
from enforcement.geo import haversine_km
from enforcement.model import UnitKind, UnitStatus
from feeds.bus import MemoryBus, Subscription
from simulators.dispatcher import ACTOR, DemoDispatcher
from simulators.runner import FleetRunner
from simulators.units import (
    ACK_DELAY_S,
    CALL_OUTS,
    RECOVERED_PER_CALL_OUT,
    FleetSimulator,
    ResponseMix,
    draw_outcome,
    plan_response,
)

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shenyang, a Monday
STEP_S = 10  # simulated seconds per runner tick
PROMPT = ResponseMix(never_ack=0, slow_ack=0, late=0)
LIFECYCLE = ("assigned", "acknowledged", "arrived", "completed", "cancelled")


@dataclass
class Sim:
    services: Services
    fleet: FleetSimulator
    runner: FleetRunner
    subscription: Subscription

    @property
    def desk(self):  # noqa: ANN201 - the DispatchDesk
        return self.services.dispatch

    def run(self, *, seconds: int = 0, until: Callable[[], bool] | None = None) -> None:
        """Tick and advance the frozen clock; the SLA clock is checked each simulated minute."""
        for step in range(0, seconds or 4 * 3600, STEP_S):
            self.runner.tick()
            if step % 60 == 0:
                self.desk.check_sla()
            if until is not None and until():
                return
            self.services.clock.advance(seconds=STEP_S)
        assert until is None, "the condition never came true"

    def status(self, dispatch_id: int) -> str:
        return str(self.desk.repo.get(dispatch_id).status)

    def events(self, dispatch_id: int) -> list[dict[str, Any]]:
        return [e.data for e in self.services.bus.replay(["dispatches"], None, limit=10_000)
                if e.data["id"] == dispatch_id]

    def fixes(self, unit_id: str) -> list[dict[str, Any]]:
        return [f for e in self.services.bus.replay(["positions"], None, limit=100_000)
                for f in e.data["fixes"] if f["unit_id"] == unit_id]

    def car(self) -> str:
        """An available car of the demo organisation."""
        return next(m.unit.id for m in self.fleet.members
                    if m.unit.kind == UnitKind.CAR and m.unit.status == UnitStatus.AVAILABLE)

    def send(self, unit_id: str, *, north_km: float = 1.1, east_km: float = 1.0) -> int:
        lat, lon, _, _ = self.fleet.by_id[unit_id].position(self.services.clock.now().timestamp())
        target = {"kind": "incident", "ref": "线索 1", "lat": lat + north_km / 111.32,
                  "lon": lon + east_km / (111.32 * math.cos(math.radians(lat)))}
        dispatch = self.desk.assign({"unit_id": unit_id, "target": target}, actor="dispatcher",
                                    court_ids=list(self.services.city.by_id))
        return dispatch.id


@pytest.fixture
def make_sim(tmp_path: Path) -> Iterator[Callable[..., Sim]]:
    made: list[Services] = []

    def make(*, seed: int = 7, units: int = 8, mix: ResponseMix = PROMPT,
             dispatcher: bool = False) -> Sim:
        data_dir = tmp_path / f"center-{len(made)}"
        settings = load_settings({"db": f"sqlite:///{data_dir / 'ecc.sqlite3'}",
                                  "data_dir": str(data_dir), "demo": "false", "seed": str(seed),
                                  "units": str(units)}, environ={})
        data_dir.mkdir()
        services = build_services(settings, clock=FrozenClock(T0), bus=MemoryBus())
        made.append(services)
        members, keys = seed_organisation(services, b"test-secret" * 3)
        fleet = FleetSimulator(members, services.city.by_id, services.city.districts, seed=seed)
        demo = DemoDispatcher(services.dispatch, services.city, seed=seed,
                              per_hour=(6.0, 6.0)) if dispatcher else None
        runner = FleetRunner(fleet, keys, services.ingest.osmand, services.clock,
                             desk=services.dispatch, dispatcher=demo, mix=mix)
        sim = Sim(services, fleet, runner,
                  services.bus.subscribe(["dispatches"], runner.on_dispatch))
        sim.run(seconds=60)  # first fixes, so the desk can rank the units
        return sim

    yield make
    for services in made:
        services.db.dispose()


def lifecycle(sim: Sim, dispatch_id: int) -> list[str]:
    return [e["event"] for e in sim.events(dispatch_id) if e["event"] in LIFECYCLE]


def test_a_unit_acknowledges_drives_arrives_and_reports(make_sim) -> None:
    sim = make_sim()
    unit_id = sim.car()
    dispatch_id = sim.send(unit_id)
    sim.run(until=lambda: sim.status(dispatch_id) == "completed")
    done = sim.desk.repo.get(dispatch_id)
    assert lifecycle(sim, dispatch_id) == ["assigned", "acknowledged", "arrived", "completed"]
    ack_s = (done.acknowledged_at - done.created_at).total_seconds()
    assert ACK_DELAY_S[0] <= ack_s <= ACK_DELAY_S[1] + STEP_S
    assert done.outcome["arrival"] == "geofence" and done.sla_state == "met"
    on_scene_min = (done.completed_at - done.arrived_at).total_seconds() / 60
    assert 20 <= on_scene_min <= 90 + STEP_S / 60
    assert set(done.outcome["measures"]) <= set(MEASURES)
    assert done.outcome["reported_by"] == unit_id and done.outcome["amount_recovered"] >= 0
    assert sim.services.units.get(unit_id).status == "available" and not sim.runner.responses
    assert sim.runner.refused == 0


def test_the_unit_drives_to_the_target_and_leaves_afterwards(make_sim) -> None:
    sim = make_sim()
    unit_id = sim.car()
    dispatch_id = sim.send(unit_id)
    sim.run(until=lambda: sim.status(dispatch_id) == "completed")
    done = sim.desk.repo.get(dispatch_id)
    sim.run(seconds=30 * 60)

    def metres(fix: dict) -> float:
        return haversine_km(fix["lat"], fix["lon"], done.lat, done.lon) * 1000

    def between(start: datetime, end: datetime) -> list[dict]:
        return [f for f in sim.fixes(unit_id) if start < datetime.fromisoformat(f["at"]) <= end]

    driving = between(done.acknowledged_at, done.arrived_at)
    assert len(driving) >= 5 and metres(driving[0]) > 500 > ARRIVAL_RADIUS_M >= metres(driving[-1])
    assert all(25 <= f["speed_kmh"] <= 45 for f in driving[1:-1])
    distances = [metres(f) for f in driving]
    assert sum(b < a for a, b in zip(distances, distances[1:], strict=False)) > 0.8 * len(driving)
    on_scene = between(done.arrived_at + timedelta(minutes=1), done.completed_at)  # the last 150 m
    assert on_scene and all(metres(f) < 60 and f["speed_kmh"] == 0 for f in on_scene)
    after = between(done.completed_at, done.completed_at + timedelta(minutes=30))
    assert max(metres(f) for f in after) > 300  # back to wandering around its court


def test_a_late_response_breaches_the_sla(make_sim) -> None:
    sim = make_sim(mix=ResponseMix(never_ack=0, slow_ack=0, late=1))
    dispatch_id = sim.send(sim.car())
    sim.run(until=lambda: sim.status(dispatch_id) == "arrived")
    arrived = sim.desk.repo.get(dispatch_id)
    assert arrived.arrived_at > arrived.due_at and arrived.sla_state == "breached"
    events = [e["event"] for e in sim.events(dispatch_id)]
    assert events == ["assigned", "acknowledged", "sla_warned", "sla_breached", "arrived"]


def test_an_unacknowledged_dispatch_waits_and_a_cancel_frees_the_unit(make_sim) -> None:
    sim = make_sim(mix=ResponseMix(never_ack=1, slow_ack=0, late=0))
    unit_id = sim.car()
    dispatch_id = sim.send(unit_id)
    sim.run(seconds=20 * 60)
    assert sim.status(dispatch_id) == "assigned" and dispatch_id in sim.runner.responses
    assert len({(f["lat"], f["lon"]) for f in sim.fixes(unit_id)}) > 20  # still wandering
    sim.desk.cancel(dispatch_id, reason="改派", actor="dispatcher")
    sim.run(seconds=STEP_S)
    assert not sim.runner.responses and sim.services.units.get(unit_id).status == "available"


def test_a_cancel_on_the_way_sends_the_unit_back_at_once(make_sim) -> None:
    sim = make_sim()
    unit_id = sim.car()
    dispatch_id = sim.send(unit_id, north_km=4.0, east_km=3.0)
    sim.run(until=lambda: sim.status(dispatch_id) == "acknowledged")
    sim.run(seconds=120)
    planned_arrival = sim.fleet.by_id[unit_id].legs[-1].start  # where the stay on scene begins
    sim.desk.cancel(dispatch_id, reason="被执行人已离开", actor="dispatcher")
    sim.run(seconds=30 * 60)
    assert lifecycle(sim, dispatch_id) == ["assigned", "acknowledged", "cancelled"]
    assert not sim.runner.responses and sim.fleet.by_id[unit_id].legs[-1].end < math.inf
    target = sim.desk.repo.get(dispatch_id)
    then = min(sim.fixes(unit_id), key=lambda f: abs(datetime.fromisoformat(f["at"]).timestamp()
                                                     - planned_arrival))
    assert haversine_km(then["lat"], then["lon"], target.lat, target.lon) > 0.5


def test_a_refused_step_is_counted_not_raised(make_sim) -> None:
    sim = make_sim(mix=ResponseMix(never_ack=0, slow_ack=1, late=0))  # acknowledges after 5+ min
    unit_id = sim.car()
    dispatch_id = sim.send(unit_id)
    sim.run(seconds=60)
    sim.subscription.stop()  # the runner misses the cancel (a bus outage)
    sim.desk.cancel(dispatch_id, reason="改派", actor="dispatcher")
    sim.subscription = sim.services.bus.subscribe(["dispatches"], sim.runner.on_dispatch)
    sim.run(seconds=30 * 60)
    assert sim.runner.refused == 1 and not sim.runner.responses
    assert sim.status(dispatch_id) == "cancelled"
    assert sim.services.units.get(unit_id).status == "available"


def test_a_restarted_runner_takes_up_the_dispatches_left_open(make_sim) -> None:
    sim = make_sim()
    unit_id = sim.car()
    dispatch_id = sim.send(unit_id)
    sim.subscription.stop()  # the demo stops before the officer answered
    services = sim.services
    sim.fleet = FleetSimulator([m.unit for m in sim.fleet.members], services.city.by_id,
                               services.city.districts, seed=7)
    sim.runner = FleetRunner(sim.fleet, sim.runner.keys, services.ingest.osmand, services.clock,
                             desk=services.dispatch, mix=PROMPT)
    sim.subscription = services.bus.subscribe(["dispatches"], sim.runner.on_dispatch)
    sim.run(until=lambda: sim.status(dispatch_id) == "completed")
    assert lifecycle(sim, dispatch_id) == ["assigned", "acknowledged", "arrived", "completed"]
    assert services.units.get(unit_id).status == "available"


def timeline(sim: Sim) -> list[tuple]:
    events = sim.services.bus.replay(["dispatches"], None, limit=10_000)
    return [(e.data["id"], e.data["unit_id"], e.data["event"], e.data["acknowledged_at"],
             e.data["arrived_at"], e.data["completed_at"], str(e.data["outcome"])) for e in events]


def test_the_same_seed_gives_the_same_timeline(make_sim) -> None:
    def scenario(seed: int) -> tuple[list[tuple], list[dict]]:
        sim = make_sim(seed=seed, mix=ResponseMix())
        unit_id = sim.car()
        dispatch_id = sim.send(unit_id)
        sim.run(until=lambda: sim.status(dispatch_id) in ("completed", "cancelled"))
        sim.run(seconds=10 * 60)
        return timeline(sim), sim.fixes(unit_id)

    first = scenario(7)
    assert first == scenario(7)
    assert first != scenario(8)


def test_the_demo_dispatcher_sends_units_out(make_sim) -> None:
    sim = make_sim(units=12, dispatcher=True, mix=ResponseMix())
    sim.run(seconds=3 * 3600)
    demo = sim.runner.dispatcher
    made = [e.data for e in sim.services.bus.replay(["dispatches"], None, limit=10_000)
            if e.data["event"] == "assigned"]
    assert demo.incidents >= 8 and len(made) == demo.assigned >= 5
    assert demo.incidents == demo.assigned + demo.unanswered + demo.refused
    assert {d["created_by"] for d in made} == {ACTOR}
    assert made[0]["target"]["kind"] == "incident" and made[0]["target"]["ref"].startswith("演示线索")
    completed = {e.data["id"] for e in sim.services.bus.replay(["dispatches"], None, limit=10_000)
                 if e.data["event"] == "completed"}
    assert len(completed) >= 3
    city = sim.services.city
    for d in made:
        court_km = min(haversine_km(c.lat, c.lon, d["target"]["lat"], d["target"]["lon"])
                       for c in city.basic_courts())
        assert court_km <= 3.01


def test_outcomes_follow_the_shenyang_figures() -> None:
    draws = [draw_outcome(random.Random(n)) for n in range(20_000)]

    def share(measure: str) -> float:
        return sum(measure in d["measures"] for d in draws) / len(draws)

    for measure, count, tolerance in (("seizure", 4, 0.004), ("impound", 8, 0.005),
                                      ("freeze", 30, 0.01), ("settlement", 119, 0.015)):
        assert share(measure) == pytest.approx(count / CALL_OUTS, abs=tolerance), measure
    mean = sum(d["amount_recovered"] for d in draws) / len(draws)
    assert mean == pytest.approx(RECOVERED_PER_CALL_OUT, rel=0.1)
    paid = [d for d in draws if d["amount_recovered"]]
    assert all({"settlement", "freeze"} & set(d["measures"]) for d in paid)
    assert 0.3 < len(paid) / len(draws) < 0.45


def test_response_plans_mix_prompt_slow_silent_and_late() -> None:
    plans = [plan_response(7, "DB0001", n, ResponseMix()) for n in range(5_000)]
    never = sum(p.ack_delay_s is None for p in plans) / len(plans)
    slow = sum(p.ack_delay_s is not None and p.ack_delay_s > 300 for p in plans) / len(plans)
    late = sum(p.late for p in plans) / len(plans)
    assert (never, slow, late) == pytest.approx((0.03, 0.07, 0.12), abs=0.015)
    assert all(20 * 60 <= p.on_scene_s <= 90 * 60 for p in plans)
    assert plan_response(7, "DB0001", 3, ResponseMix()) == plans[3]
