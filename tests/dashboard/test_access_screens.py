"""The access matrix on the screens: pages × roles (HTTP and the Dash router), the consoles'
Dash actions × roles × courts, and Socket.IO: /live topics × roles × courts, /device credentials.

Uses the world of ``access_world`` (see there for the courts and callers).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dashboard import ids, policy
from enforcement.masking import mask_phone
from enforcement.model import Role
from enforcement.tips import TipStatus
from tests.dashboard.access_world import (
    ANONYMOUS,
    BASIC,
    HIGH,
    MIDDLE,
    SIBLING,
    Caller,
    World,
    close_world,
    open_world,
    unit_of,
)
from tests.dashboard.conftest import log_in
from tests.dashboard.dash_calls import dash_call, nav_links, prop, prop_id, texts


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = open_world(tmp_path_factory.mktemp("screens"))
    yield built
    close_world(built)


@pytest.fixture(scope="module")
def sessions(world: World) -> dict[str, Any]:
    """A signed-in browser (test client) per caller, logged in through the /login form."""
    signed_in = {}
    for caller in world.callers:
        client = world.center.server.test_client()
        assert log_in(client, caller.username).status_code == 302, caller
        signed_in[str(caller)] = client
    return signed_in


def route(client: Any, path: str) -> Any:
    """The router's answer for ``path`` (its output is known: no need to ask Dash for it)."""
    return client.post("/_dash-update-component", json={
        "output": "page.children", "outputs": {"id": ids.PAGE, "property": "children"},
        "inputs": [prop(ids.URL, "pathname", path), prop(ids.URL, "search", "")],
        "state": [], "changedPropIds": [prop_id(ids.URL, "pathname")]})


# ---- pages ---------------------------------------------------------------------------------------


def test_pages_need_a_session(world: World) -> None:
    client = world.center.server.test_client()
    for page in policy.PAGES:
        assert client.get(page).headers["Location"] == f"/login?next={page}"
    assert route(client, "/wall").status_code == 401


def test_each_role_opens_only_its_pages(world: World, sessions: dict[str, Any]) -> None:
    walked = 0
    for caller in world.callers:
        client, allowed = sessions[str(caller)], policy.pages_for(caller.role)
        for page in policy.PAGES:
            reply, shown = client.get(page), route(client, page).get_json()["response"]
            tree = shown[ids.PAGE]["children"]
            walked += 1
            if page in allowed:
                assert reply.status_code == 200, (caller, page)
                assert nav_links(tree) == ([] if page == "/wall" else allowed), (caller, page)
            elif caller.role == Role.KIOSK:
                assert reply.headers["Location"] == "/wall", (caller, page)
            else:
                assert reply.status_code == 403 and "无权访问" in reply.get_data(as_text=True)
                assert "refused" in tree["props"]["className"] and not nav_links(tree)
        home = client.get("/").headers["Location"]
        assert home == (policy.home_page(caller.role) or "/login"), caller
    print(f"pages: {walked} page × role cases walked")


# ---- the consoles' actions -----------------------------------------------------------------------


def click(client: Any, output: str, button: dict[str, Any], state: list[Any],
          buttons_before: int = 0, buttons_after: int = 0) -> Any:
    """Click one pattern-matched button among the callback's ALL inputs."""
    clicked = [prop(button, "n_clicks", 1)]
    inputs = [[] for _ in range(buttons_before)] + [clicked] + [[] for _ in range(buttons_after)]
    return dash_call(client, output, inputs, changed=prop_id(button, "n_clicks"), state=state)


def message(reply: Any, component: str) -> str:
    if reply.status_code == 204:
        return ""
    return reply.get_json()["response"][component]["children"]


def courts_for(caller: Caller) -> list[tuple[str, bool]]:
    return [(c, True) for c in caller.inside()] + [(c, False) for c in caller.outside()]


CONSOLE_ACTIONS = {  # button type → (who may, how many ALL inputs before it, done message)
    ids.CONSOLE_ACK: (policy.ACKNOWLEDGERS, 0, "已确认"),
    ids.CONSOLE_CHASE: (policy.SUPERVISORS, 1, "已督办"),
    ids.CONSOLE_UNLOCK: (policy.SUPERVISORS, 2, "已解锁"),
}


@pytest.mark.parametrize("action", sorted(CONSOLE_ACTIONS))
def test_alert_console_actions(world: World, sessions: dict[str, Any], action: str) -> None:
    roles, before, done = CONSOLE_ACTIONS[action]
    for caller in world.callers:
        for court, inside in courts_for(caller):
            target = world.locked_case(court) if action == ids.CONSOLE_UNLOCK \
                else world.alert(court)
            button, state = {"type": action, "index": target}, [
                prop(ids.CONSOLE_NOTE, "value", "说明"), prop(ids.CONSOLE_ACTED, "data", 0)]
            snapshot = world.snapshot()
            text = message(click(sessions[str(caller)], "console-message.children", button,
                                 state, buttons_before=before, buttons_after=2 - before),
                           ids.CONSOLE_MESSAGE)
            changed = world.snapshot() != snapshot
            if caller.role in roles and inside:
                assert text.startswith(done), (caller, court, text)
            else:
                assert text.startswith("未执行") and not changed, (caller, court, text)


def test_dispatch_console_assigns_only_in_scope(world: World, sessions: dict[str, Any]) -> None:
    for caller in world.callers:
        for court, inside in courts_for(caller):
            unit, target = world.free_unit(court), world.target(court)
            button = {"type": ids.DISPATCH_ASSIGN, "index": unit}
            state = [prop(ids.DISPATCH_LAT, "value", target["lat"]),
                     prop(ids.DISPATCH_LON, "value", target["lon"]),
                     prop(ids.DISPATCH_KIND, "value", "incident"),
                     prop(ids.DISPATCH_REF, "value", ""), prop(ids.DISPATCH_NOTE, "value", "")]
            snapshot = world.snapshot()
            text = message(click(sessions[str(caller)], "dispatch-message.children", button,
                                 state), ids.DISPATCH_MESSAGE)
            changed = world.snapshot() != snapshot
            if caller.role in policy.DISPATCHERS and inside:
                assert text.startswith("已派"), (caller, court, text)
            else:
                assert text.startswith("未派单") and not changed, (caller, court, text)


def test_a_dispatch_cannot_name_another_courts_tip(world: World,
                                                   sessions: dict[str, Any]) -> None:
    dispatcher = next(c for c in world.callers if c.role == Role.DISPATCHER
                      and c.binding == "basic")
    foreign = world.tip(SIBLING, status=TipStatus.ACCEPTED)
    reply = world.center.server.test_client().post("/api/v1/dispatches", headers=dispatcher.headers,
                                                   json={"unit_id": world.free_unit(BASIC),
                                                         "target": world.target(BASIC) | {
                                                             "kind": "tip", "ref": str(foreign)}})
    assert reply.status_code == 403 and reply.get_json()["error"]["field"] == "target.ref"
    pick = {"type": ids.DISPATCH_TIP_PICK, "index": foreign}
    assert click(sessions[str(dispatcher)], "dispatch-lat.value", pick, []).status_code == 204


def test_intake_triage_only_in_scope(world: World, sessions: dict[str, Any]) -> None:
    may_open = policy.PAGES["/intake"]
    for caller in world.callers:
        for court, inside in courts_for(caller):
            tip = world.tip(court)
            state = [prop(ids.INTAKE_CURRENT, "data", tip), prop(ids.INTAKE_LINK, "value", None),
                     prop(ids.INTAKE_REASON, "value", "无效线索")]
            snapshot = world.snapshot()
            text = _decide(sessions[str(caller)], state)
            changed = world.snapshot() != snapshot
            if caller.role in may_open & policy.TRIAGERS and inside:
                assert "不予受理" in text, (caller, court, text)
            else:
                assert not changed and (text == "" or "未完成研判" in text), (caller, court, text)


def _decide(client: Any, state: list[Any]) -> str:
    reply = dash_call(client, "intake-result.children@", [prop(ids.INTAKE_ACCEPT, "n_clicks", None),
                                                         prop(ids.INTAKE_REJECT, "n_clicks", 1)],
                      changed=prop_id(ids.INTAKE_REJECT, "n_clicks"), state=state)
    if reply.status_code == 204:
        return ""
    return " ".join(texts(reply.get_json()["response"][ids.INTAKE_RESULT]["children"]))


def test_intake_takes_tips_for_takers_only(world: World, sessions: dict[str, Any]) -> None:
    fields = [{"type": ids.INTAKE_FIELDS, "index": "description"}]
    for caller in world.callers:
        state = [prop(ids.INTAKE_CHANNEL, "value", "phone"),
                 prop(ids.INTAKE_KIND, "value", "complaint"), prop(ids.INTAKE_ASSET, "value", None),
                 prop(ids.INTAKE_URGENT, "value", []),
                 [prop(fields[0], "value", "投诉")], [prop(fields[0], "id", fields[0])]]
        before = world.snapshot()
        reply = dash_call(sessions[str(caller)], "intake-result.children...",
                          [prop(ids.INTAKE_SUBMIT, "n_clicks", 1)],
                          changed=prop_id(ids.INTAKE_SUBMIT, "n_clicks"), state=state)
        if caller.role in policy.TAKERS:
            assert reply.status_code == 200, caller
        else:
            assert reply.status_code == 204 and world.snapshot() == before, caller


READS = {  # a console's read callback → (its page, its input)
    "console-table.children": ("/alerts", [prop(ids.CONSOLE_LEVELS, "value", []),
                                           prop(ids.CONSOLE_COURT, "value", None),
                                           prop(ids.CONSOLE_VERSION, "data", 1),
                                           prop(ids.CONSOLE_ACTED, "data", 0)]),
    "dispatch-tips.children": ("/dispatch", [prop(ids.DISPATCH_VERSION, "data", 1)]),
    "dispatch-active.children": ("/dispatch", [prop(ids.DISPATCH_VERSION, "data", 1)]),
    "intake-recent.children": ("/intake", [prop(ids.INTAKE_VERSION, "data", 1)]),
    "wall-intake-counts-calls.children": ("/wall", [prop(ids.WALL_INTAKE_VERSION, "data", 1)]),
    "audit-message.children": ("/audit", [prop(ids.AUDIT_VERIFY, "n_clicks", 1)]),
}


@pytest.mark.parametrize("output", sorted(READS))
def test_console_reads_answer_only_their_pages_roles(world: World, sessions: dict[str, Any],
                                                     output: str) -> None:
    page, inputs = READS[output]
    state = [prop(ids.URL, "search", "")] if output.startswith("console-table") else []
    for caller in world.callers:
        reply = dash_call(sessions[str(caller)], output, inputs, changed="x.y", state=state)
        expected = 200 if policy.may_open(caller.role, page) else 204
        assert reply.status_code == expected, (caller, output, reply.status_code)


def test_consoles_show_only_the_callers_courts(world: World, sessions: dict[str, Any]) -> None:
    marks = {court: f"线索[{court}]" for court in (BASIC, SIBLING, HIGH)}
    for court, mark in marks.items():
        world.tip(court, description=mark, status=TipStatus.ACCEPTED)
    for caller in world.callers:
        if not policy.may_open(caller.role, "/dispatch"):
            continue
        reply = dash_call(sessions[str(caller)], "dispatch-tips.children",
                          [prop(ids.DISPATCH_VERSION, "data", 2)], changed="x.y")
        shown = " ".join(texts(reply.get_json()))
        for court, mark in marks.items():
            visible = policy.in_scope(world.services.city, caller.principal(), court)
            assert (mark in shown) == visible, (caller, court)


# ---- Socket.IO -----------------------------------------------------------------------------------


def live(world: World, caller: Caller) -> Any:
    auth = {"token": caller.token} if caller.token else None
    return world.center.socketio.test_client(world.center.server, namespace="/live", auth=auth)


def test_live_accepts_screen_roles_only(world: World) -> None:
    assert not live(world, ANONYMOUS).is_connected("/live")
    assert not live(world, Caller(Role.DUTY, "basic", "x", "forged")).is_connected("/live")
    for caller in world.callers:
        connected = live(world, caller).is_connected("/live")
        assert connected == (caller.role != Role.DEVICE), caller


def test_live_topics_follow_the_policy(world: World) -> None:
    for caller in world.callers:
        if caller.role == Role.DEVICE:
            continue
        screen = live(world, caller)
        for topic in policy.TOPICS:
            ack = screen.emit("subscribe", {"topics": [topic]}, namespace="/live", callback=True)
            assert ack["ok"] == policy.may_subscribe(caller.role, topic), (caller, topic, ack)


@pytest.fixture
def relay(world: World) -> Iterator[Any]:
    world.center.relay.start()
    yield world.center.relay
    world.center.relay.stop()


def test_live_events_stay_in_the_callers_scope(world: World, relay: Any) -> None:
    screens = {}
    for caller in world.callers:
        if caller.role == Role.DEVICE:
            continue
        screen = live(world, caller)
        topics = [t for t in policy.TOPICS if policy.may_subscribe(caller.role, t)]
        assert screen.emit("subscribe", {"topics": topics}, namespace="/live", callback=True)["ok"]
        screens[caller] = screen
    bus = world.services.bus
    for court in (BASIC, SIBLING, MIDDLE, HIGH, None):
        bus.publish("alerts", {"court_id": court, "case_no": f"case-{court}"})
        bus.publish("tips", {"court_id": court, "caller_phone": "13812345678"})
        bus.publish("positions", {"fixes": [{"unit_id": unit_of(court), "court_id": court}]})
    relay.flush()
    for caller, screen in screens.items():
        got = screen.get_received("/live")
        courts = {fix["court_id"] for m in got for fix in m["args"][0].get("fixes", [])} | {
            m["args"][0]["court_id"] for m in got if "court_id" in m["args"][0]}
        principal = caller.principal()
        assert all(policy.in_scope(world.services.city, principal, c) for c in courts), caller
        assert caller.court_id in courts or caller.court_id is None, caller
        phones = {m["args"][0]["caller_phone"] for m in got if m["name"] == "tip"}
        assert phones <= {mask_phone("13812345678")}, caller  # screens get callers masked


def test_device_namespace_takes_device_credentials_only(world: World) -> None:
    def device(auth: dict[str, str]) -> bool:
        return world.center.socketio.test_client(world.center.server, namespace="/device",
                                                 auth=auth).is_connected("/device")

    unit = unit_of(BASIC)
    assert device({"unit_id": unit, "key": world.keys[unit]})
    assert not device({"unit_id": unit, "key": world.keys[unit_of(SIBLING)]})
    for caller in world.callers:
        assert not device({"token": caller.token}), caller
        assert not device({"unit_id": unit, "key": caller.token}), caller
