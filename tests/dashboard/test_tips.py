"""Tip intake over HTTP: stored first, places resolved or flagged, linked, masked, triaged,
followed through its dispatch, and counted in the day's numbers."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from tests.dashboard.conftest import token_for

CST = timezone(timedelta(hours=8))
CASE_NO = "（2026）辽0102执55号"


def bearer(client, center, role: str, court: str | None = "2101") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client, center, role, court)}"}


@pytest.fixture
def intake(client, center) -> dict[str, str]:
    return bearer(client, center, "intake")


@pytest.fixture
def open_case(client, center) -> str:
    duty = bearer(client, center, "duty")
    reply = client.post("/api/v1/cases", headers=duty, json={
        "case_no": CASE_NO, "court_id": "210102", "case_type": "执",
        "filed_at": "2026-11-02T09:00:00+08:00", "amount": 90000,
        "debtors": [{"name": "沈阳某某商贸有限公司", "debtor_type": "法人",
                     "id_no": "91210102MA0XXXXXXX"}]})
    assert reply.status_code == 201, reply.get_json()
    services = center.services
    services.tips.load(services.cases.open_cases())  # what CommandCenter.start() does
    return CASE_NO


def tip(**overrides: object) -> dict:
    return {"channel": "phone", "kind": "debtor_whereabouts", "caller_name": "王先生",
            "caller_phone": "13812345678", "debtor_name": "某某商贸",
            "address": "沈阳市和平区太原街万达广场", "description": "看见被执行人的车停在地下车库"
            } | overrides


def test_a_tip_is_stored_placed_and_linked(client, center, intake, open_case) -> None:
    reply = client.post("/api/v1/tips", headers=intake, json=tip())
    assert reply.status_code == 201, reply.get_json()
    body = reply.get_json()
    assert body["status"] == "new" and body["location"]["resolved"]
    assert body["location"]["district"] == "和平区" and body["court_id"] == "210102"
    assert [c["case_no"] for c in body["candidates"]] == [open_case]
    assert "name_partial" in body["candidates"][0]["reasons"]
    assert body["caller_phone"] == "13812345678"  # the call-taker sees the caller
    assert center.services.tips.repo.count() == 1
    [event] = center.services.bus.replay(["tips"], None)
    assert event.data["caller_phone"] == "138****5678"  # screens see it masked


def test_an_unknown_address_is_kept_and_flagged(client, intake) -> None:
    body = client.post("/api/v1/tips", headers=intake, json=tip(address="火星路1号")).get_json()
    assert body["location"] == {"lat": None, "lon": None, "address": "火星路1号",
                                "resolved": False, "district": None}


def test_coordinates_instead_of_an_address(client, intake) -> None:
    body = client.post("/api/v1/tips", headers=intake, json=tip(
        address=None, location={"lat": 41.80, "lon": 123.43})).get_json()
    assert body["location"]["resolved"] and body["location"]["district"]


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "gossip"}, "kind"), ({"caller_phone": "call me"}, "caller_phone"),
    ({"description": "x" * 2001}, "description"), ({"caller_name": "王\x07"}, "caller_name"),
    ({"location": {"lat": 95, "lon": 123.4}, "address": None}, "location.lat"),
    ({"received_at": "2030-01-01T00:00:00+08:00"}, "received_at"), ({"urgent": "yes"}, "urgent"),
])
def test_bad_input_is_named_and_nothing_is_stored(client, center, intake, change, field) -> None:
    reply = client.post("/api/v1/tips", headers=intake, json=tip(**change))
    assert (reply.status_code, reply.get_json()["error"]["field"]) == (422, field)
    assert center.services.tips.repo.count() == 0


def test_script_in_the_description_is_kept_as_text(client, center, intake) -> None:
    script = "<script>alert('x')</script> 车在楼下"
    body = client.post("/api/v1/tips", headers=intake, json=tip(description=script)).get_json()
    assert center.services.tips.repo.get(body["id"]).description == script


def test_roles_see_callers_masked_unless_they_need_them(client, center, intake) -> None:
    client.post("/api/v1/tips", headers=intake, json=tip())
    duty = client.get("/api/v1/tips", headers=bearer(client, center, "duty")).get_json()
    assert duty[0]["caller_phone"] == "138****5678" and duty[0]["caller_name"] == "王*生"
    mine = client.get("/api/v1/tips", headers=intake).get_json()
    assert mine[0]["caller_phone"] == "13812345678"
    leader = bearer(client, center, "leader")
    assert client.post("/api/v1/tips", headers=leader, json=tip()).status_code == 403


def test_accepting_a_property_lead_starts_the_verification_clock(client, center, intake,
                                                                 open_case) -> None:
    body = client.post("/api/v1/tips", headers=intake, json=tip(
        kind="property_lead", asset_kind="vehicle", urgent=True)).get_json()
    reply = client.post(f"/api/v1/tips/{body['id']}/triage", headers=intake,
                        json={"decision": "accept", "case_no": open_case})
    assert reply.status_code == 200 and reply.get_json()["status"] == "accepted"
    case = center.services.desk.get(open_case)
    clock = case.clock("verify_lead", f"T{body['id']}")
    assert clock is not None and clock.variant == "urgent"


def test_rejecting_needs_a_reason(client, intake) -> None:
    body = client.post("/api/v1/tips", headers=intake, json=tip(kind="consultation")).get_json()
    bare = client.post(f"/api/v1/tips/{body['id']}/triage", headers=intake,
                       json={"decision": "reject"})
    assert (bare.status_code, bare.get_json()["error"]["field"]) == (422, "reason")
    done = client.post(f"/api/v1/tips/{body['id']}/triage", headers=intake,
                       json={"decision": "reject", "reason": "仅为咨询"})
    assert done.get_json()["status"] == "rejected"
    again = client.post(f"/api/v1/tips/{body['id']}/triage", headers=intake,
                        json={"decision": "accept"})
    assert again.status_code == 409


def test_a_repeat_is_flagged(client, intake) -> None:
    first = client.post("/api/v1/tips", headers=intake, json=tip()).get_json()
    second = client.post("/api/v1/tips", headers=intake, json=tip(
        caller_name="李女士", caller_phone="13900001111")).get_json()
    assert second["repeat_of"] == [first["id"]]


def test_a_dispatched_tip_follows_its_dispatch_and_is_counted(client, center, intake,
                                                              device_key) -> None:
    at = int(center.services.clock.now().timestamp())
    client.get("/ingest/osmand", query_string={"id": "DB0001", "lat": "41.7750", "lon": "123.4000",
                                               "timestamp": str(at), "key": device_key})
    body = client.post("/api/v1/tips", headers=intake, json=tip()).get_json()
    center.services.tips.lead()
    dispatcher = bearer(client, center, "dispatcher")
    sent = client.post("/api/v1/dispatches", headers=dispatcher, json={
        "unit_id": "DB0001", "target": {"kind": "tip", "ref": str(body["id"]),
                                        "lat": body["location"]["lat"],
                                        "lon": body["location"]["lon"]}})
    assert sent.status_code == 201
    center.services.tips.follow_dispatches()
    assert center.services.tips.repo.get(body["id"]).status == "dispatched"
    dispatch_id = sent.get_json()["id"]
    client.post(f"/api/v1/dispatches/{dispatch_id}/arrive", headers=dispatcher)
    client.post(f"/api/v1/dispatches/{dispatch_id}/outcome", headers=dispatcher,
                json={"measures": ["impound", "settlement"], "amount_recovered": 12000})
    center.services.tips.follow_dispatches()
    assert center.services.tips.repo.get(body["id"]).status == "closed"
    numbers = client.get("/api/v1/stats/intake?hours=24", headers=dispatcher).get_json()
    assert (numbers["calls"], numbers["tips"], numbers["dispatched"]) == (1, 1, 1)
    assert numbers["arrivals"] == 1
    assert numbers["outcomes"]["vehicles_impounded"] == 1
    assert numbers["outcomes"]["settlements"] == 1 and numbers["amount_recovered"] == 12000
    assert len(numbers["per_hour"]) in (24, 25) and sum(h["calls"] for h in numbers["per_hour"]) == 1
    bad = client.get("/api/v1/stats/intake?hours=0", headers=dispatcher)
    assert (bad.status_code, bad.get_json()["error"]["field"]) == (422, "hours")


def test_an_unknown_case_number_is_named_and_the_tip_is_kept(client, center, intake) -> None:
    body = client.post("/api/v1/tips", headers=intake, json=tip(case_no="（2026）辽0102执999999号"))
    assert body.status_code == 201  # a caller's wrong number never loses the tip
    tip_id = body.get_json()["id"]
    reply = client.post(f"/api/v1/tips/{tip_id}/triage", headers=intake,
                        json={"decision": "accept", "case_no": "（2026）辽0102执999999号"})
    assert (reply.status_code, reply.get_json()["error"]["field"]) == (404, "case_no")
    assert center.services.tips.repo.get(tip_id).status == "new"


def test_cases_filed_after_start_are_linked_too(client, center, intake) -> None:
    center.services.tips.load(center.services.cases.open_cases())
    duty = bearer(client, center, "duty")
    client.post("/api/v1/cases", headers=duty, json={
        "case_no": "（2026）辽0102执77号", "court_id": "210102", "case_type": "执",
        "filed_at": "2026-11-02T09:00:00+08:00", "amount": 1000,
        "debtors": [{"name": "刘某某", "debtor_type": "自然人"}]})
    body = client.post("/api/v1/tips", headers=intake, json=tip(debtor_name="刘某某")).get_json()
    assert [c["case_no"] for c in body["candidates"]] == ["（2026）辽0102执77号"]
