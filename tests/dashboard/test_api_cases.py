"""Cases, events and alerts over HTTP: roles, scopes, gates as 409, bad input as 422 naming fields."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.dashboard.conftest import token_for

CST = timezone(timedelta(hours=8))
CASE_NO = "（2026）辽0102执77号"


@pytest.fixture
def duty(client, center) -> dict[str, str]:
    center.services.clock.set(datetime(2026, 11, 23, 10, tzinfo=CST))
    return {"Authorization": f"Bearer {token_for(client, center, 'duty', '2101')}"}


def new_case(**overrides: object) -> dict:
    return {"case_no": CASE_NO, "court_id": "210102", "case_type": "执",
            "filed_at": "2026-11-02T09:00:00+08:00", "amount": 120000,
            "applicants": ["沈阳某银行"],
            "debtors": [{"name": "张某", "debtor_type": "自然人", "id_no": "210102198001011234"}]
            } | overrides


def test_create_read_and_post_events(client, duty) -> None:
    created = client.post("/api/v1/cases", json=new_case(), headers=duty)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["track"] == "ordinary"
    assert {n["node"] for n in body["nodes"]} >= {"assign_handler", "conclusion"}
    event = {"type": "handler_assigned", "officer_id": "210102-T1-O1",
             "at": "2026-11-03T09:00:00+08:00"}
    after = client.post(f"/api/v1/cases/{CASE_NO}/events", json=event, headers=duty)
    assert after.status_code == 200
    nodes = {n["node"]: n for n in after.get_json()["nodes"]}
    assert nodes["assign_handler"]["state"] == "done"
    assert nodes["execution_notice"]["due_at"] == "2026-11-06T16:00:00+00:00"
    read = client.get(f"/api/v1/cases/{CASE_NO}", headers=duty).get_json()
    assert read["handler_id"] == "210102-T1-O1" and read["version"] == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"court_id": "999"}, "court_id"), ({"filed_at": "yesterday"}, "filed_at"),
    ({"filed_at": "2026-11-02T09:00:00"}, "filed_at"), ({"amount": -5}, "amount"),
    ({"debtors": []}, "debtors"), ({"debtors": [{"name": "x", "debtor_type": "alien"}]},
                                   "debtors[0].debtor_type"),
    ({"case_no": "x" * 65}, "case_no"), ({"case_type": "执异议"}, "case_type"),
    ({"filed_at": "2027-01-01T00:00:00+08:00"}, "filed_at"),
])
def test_bad_cases_are_refused_naming_the_field(client, duty, change, field) -> None:
    reply = client.post("/api/v1/cases", json=new_case(**change), headers=duty)
    assert reply.status_code == 422
    assert reply.get_json()["error"]["field"] == field
    assert client.get(f"/api/v1/cases/{CASE_NO}", headers=duty).status_code == 404


def test_a_gate_refuses_with_409_and_names_every_failed_condition(client, duty) -> None:
    client.post("/api/v1/cases", json=new_case(), headers=duty)
    close = {"type": "close", "disposition": "终本", "at": "2026-11-20T10:00:00+08:00"}
    reply = client.post(f"/api/v1/cases/{CASE_NO}/events", json=close, headers=duty)
    assert reply.status_code == 409
    error = reply.get_json()["error"]
    assert error["code"] == "gate" and "three_months" in error["gates"]
    assert client.get(f"/api/v1/cases/{CASE_NO}", headers=duty).get_json()["closed_at"] is None


def test_duplicate_case_is_409_and_the_first_is_kept(client, duty) -> None:
    client.post("/api/v1/cases", json=new_case(), headers=duty)
    again = client.post("/api/v1/cases", json=new_case(amount=1), headers=duty)
    assert again.status_code == 409
    assert client.get(f"/api/v1/cases/{CASE_NO}", headers=duty).get_json()["amount"] == 120000


def test_roles_and_scopes(client, center, duty) -> None:
    client.post("/api/v1/cases", json=new_case(), headers=duty)
    other_court = {"Authorization": f"Bearer {token_for(client, center, 'duty', '210103')}"}
    assert client.get(f"/api/v1/cases/{CASE_NO}", headers=other_court).status_code == 403
    assert client.post("/api/v1/cases", json=new_case(case_no="B"), headers=other_court
                       ).status_code == 403
    intake = {"Authorization": f"Bearer {token_for(client, center, 'intake', '2101')}"}
    assert client.post("/api/v1/cases", json=new_case(case_no="C"), headers=intake
                       ).status_code == 403
    assert client.get(f"/api/v1/cases/{CASE_NO}", headers=intake).status_code == 200


def test_alerts_ack_chase_and_unlock(client, center, duty) -> None:
    client.post("/api/v1/cases", json=new_case(), headers=duty)
    engine = center.services.alert_engine
    engine.load()
    engine.tick()  # filed 11-02: assign_handler (7 days) and the 10-day notice are overdue now
    alerts = client.get("/api/v1/alerts", headers=duty).get_json()
    by_node = {a["node"]: a for a in alerts}
    assert by_node["assign_handler"]["level"] == "overdue"
    assert by_node["assign_handler"]["overdue_days"] == 14
    assert by_node["execution_notice_legal"]["level"] == "locked"
    assert client.get(f"/api/v1/cases/{CASE_NO}", headers=duty).get_json()["lock"]["locked"]
    alert_id = by_node["assign_handler"]["id"]
    ack = client.post(f"/api/v1/alerts/{alert_id}/ack", json={"note": "已联系承办人"}, headers=duty)
    assert ack.status_code == 200 and ack.get_json()["acknowledged"]["by"] == "duty-2101"
    assert client.post(f"/api/v1/alerts/{alert_id}/chase", json={}, headers=duty).status_code == 403
    leader = {"Authorization": f"Bearer {token_for(client, center, 'leader', '2101')}"}
    chased = client.post(f"/api/v1/alerts/{alert_id}/chase", json={"note": "督办"}, headers=leader)
    assert chased.get_json()["level"] == "chased"
    assert client.post(f"/api/v1/cases/{CASE_NO}/unlock", json={"reason": "x"}, headers=duty
                       ).status_code == 403
    no_reason = client.post(f"/api/v1/cases/{CASE_NO}/unlock", json={}, headers=leader)
    assert (no_reason.status_code, no_reason.get_json()["error"]["field"]) == (422, "reason")
    unlocked = client.post(f"/api/v1/cases/{CASE_NO}/unlock", json={"reason": "局长审批同意"},
                           headers=leader)
    assert unlocked.status_code == 200 and not unlocked.get_json()["lock"]["locked"]
    levels = client.get("/api/v1/alerts?level=locked", headers=duty).get_json()
    assert [a["node"] for a in levels] == ["execution_notice_legal"]
    past = client.get("/api/v1/alerts?as_of=2026-11-09T12:00:00%2B08:00", headers=duty).get_json()
    assert {a["node"]: a["level"] for a in past}["assign_handler"] == "due"


def test_bad_alert_queries_are_named(client, duty) -> None:
    for query, field in [("level=purple", "level"), ("as_of=soon", "as_of"), ("state=x", "state")]:
        reply = client.get(f"/api/v1/alerts?{query}", headers=duty)
        assert (reply.status_code, reply.get_json()["error"]["field"]) == (422, field)
