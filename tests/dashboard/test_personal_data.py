"""Personal data by role: debtors' id numbers and callers' identities masked for the roles that
need not see them (API, live screens), and text from callers rendered as text, never as HTML."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from dashboard import ids
from enforcement.masking import masked, may_see_personal
from enforcement.model import Role
from tests.dashboard.conftest import log_in, make_user, token_for
from tests.dashboard.dash_calls import components, dash_call, prop, texts

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
ID_NO, PHONE, CALLER = "210102198001011234", "13812345678", "王小明"
SCRIPT = "<script>alert(1)</script>"
READERS = [Role.DUTY, Role.LEADER, Role.DISPATCHER, Role.INTAKE, Role.ADMIN, Role.KIOSK]


@pytest.fixture
def as_role(client, center) -> Callable[[Role], dict[str, str]]:
    """A bearer header for a role at the intermediate court (one account per role)."""
    tokens: dict[Role, str] = {}

    def headers(role: Role) -> dict[str, str]:
        if role not in tokens:
            tokens[role] = token_for(client, center, str(role), "2101")
        return {"Authorization": f"Bearer {tokens[role]}"}

    return headers


def a_tip(client, as_role, **changes: object) -> dict:
    body = {"kind": "debtor_whereabouts", "caller_name": CALLER, "caller_phone": PHONE,
            "debtor_name": "张某某", "debtor_id_no": ID_NO, "description": "看见被执行人",
            "location": {"lat": 41.7765, "lon": 123.4015}} | changes
    reply = client.post("/api/v1/tips", json=body, headers=as_role(Role.INTAKE))
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()


def test_debtor_id_numbers_show_whole_only_to_who_needs_them(client, center, as_role) -> None:
    center.services.desk.create({
        "case_no": "（2026）辽0102执9号", "court_id": "210102", "case_type": "执",
        "filed_at": "2026-11-20T09:00:00+08:00", "amount": 5000,
        "debtors": [{"name": "张某某", "debtor_type": "自然人", "id_no": ID_NO}]}, actor="seed")
    for role in READERS:
        case = client.get("/api/v1/cases/（2026）辽0102执9号", headers=as_role(role))
        [debtor] = case.get_json()["debtors"]
        assert (debtor["id_no"] == ID_NO) is may_see_personal(role), role
        assert debtor["id_no"] in (ID_NO, "210102********1234")


def test_callers_show_whole_only_to_intake_dispatch_and_admin(client, as_role) -> None:
    taken = a_tip(client, as_role)
    assert (taken["caller_name"], taken["caller_phone"]) == (CALLER, PHONE)
    for role in READERS:
        headers = as_role(role)
        one = client.get(f"/api/v1/tips/{taken['id']}", headers=headers).get_json()
        [listed] = client.get("/api/v1/tips", headers=headers).get_json()
        for shown in (one, listed):
            whole = (shown["caller_name"], shown["caller_phone"], shown["debtor_id_no"])
            if may_see_personal(role):
                assert whole == (CALLER, PHONE, ID_NO), role
            else:
                assert whole == ("王*明", "138****5678", "210102********1234"), role


def test_alerts_carry_no_personal_field(client, center, as_role) -> None:
    center.services.desk.create({
        "case_no": "（2026）辽0102执10号", "court_id": "210102", "case_type": "执",
        "filed_at": "2026-10-20T09:00:00+08:00", "amount": 5000,
        "debtors": [{"name": "张某某", "debtor_type": "自然人", "id_no": ID_NO}]}, actor="seed")
    center.services.alert_engine.load()
    center.services.alert_engine.tick()
    alerts = client.get("/api/v1/alerts", headers=as_role(Role.ADMIN)).get_json()
    assert alerts and masked(alerts) == alerts
    assert ID_NO not in str(alerts)


def test_screens_get_tips_masked_whoever_published_them(client, center) -> None:
    center.relay.start()
    for role in (Role.KIOSK, Role.INTAKE):
        live = center.socketio.test_client(center.server, namespace="/live",
                                           auth={"token": token_for(client, center, str(role))})
        live.emit("subscribe", {"topics": ["tips"]}, namespace="/live")
        center.services.bus.publish("tips", {"court_id": "210102", "caller_name": CALLER,
                                             "caller_phone": PHONE, "debtor_id_no": ID_NO})
        [tip] = [m["args"][0] for m in live.get_received("/live") if m["name"] == "tip"]
        assert (tip["caller_name"], tip["caller_phone"], tip["debtor_id_no"]) == (
            "王*明", "138****5678", "210102********1234"), role
    center.relay.stop()


def test_a_script_in_a_tip_is_text_everywhere(client, center, as_role) -> None:
    taken = a_tip(client, as_role, description=SCRIPT, debtor_name=SCRIPT)
    read = client.get(f"/api/v1/tips/{taken['id']}", headers=as_role(Role.ADMIN))
    assert read.mimetype == "application/json" and read.get_json()["description"] == SCRIPT
    client.post(f"/api/v1/tips/{taken['id']}/triage", json={"decision": "accept"},
                headers=as_role(Role.DISPATCHER))
    make_user(center, "admin-x", "admin", None)
    log_in(client, "admin-x")
    for output, version in (("intake-recent.children", ids.INTAKE_VERSION),
                            ("dispatch-tips.children", ids.DISPATCH_VERSION)):
        tree = dash_call(client, output, [prop(version, "data", 1)], changed="x.y").get_json()
        assert_text_only(tree)
        cells = [c for c in components(tree) if c["type"] == "Td"]
        assert SCRIPT in [c["props"]["children"] for c in cells], output


def assert_text_only(tree: object) -> None:
    """No raw HTML: no component that renders markup, no dangerouslySetInnerHTML anywhere."""
    assert "dangerouslySetInnerHTML" not in str(tree)
    assert not [c for c in components(tree) if c["type"] in ("Markdown", "Iframe", "Script")]
    assert any(SCRIPT == text for text in texts(tree))


@pytest.mark.parametrize("path", sorted(DASHBOARD.rglob("*.js")) + sorted(DASHBOARD.rglob("*.py")),
                         ids=lambda p: p.name)
def test_no_page_builds_markup_from_data(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    raw = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|"
                     r"dangerously_allow_html|dangerouslySetInnerHTML")
    assert not raw.search(source), f"{path.name} writes raw HTML"
