"""Each screen as its user meets it: an unattended wall on a kiosk token (4K, and rotating on a
small screen), a page a role may not open, and the admin's audit log showing what others just did."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import RunningServer
from tests.e2e.conftest import assert_clean, take_call
from tests.e2e.test_wall import LIVE_JS

pytestmark = pytest.mark.e2e


def kiosk_url(server: RunningServer, court_id: str = "2101") -> str:
    reply = requests.post(f"{server.url}/api/v1/kiosks", timeout=10,
                          headers={"Authorization": f"Bearer {server.token('admin')}"},
                          json={"court_id": court_id, "name": "e2e-wall", "days": 2})
    assert reply.status_code == 201, reply.text
    return reply.json()["url"]


def test_a_kiosk_wall_runs_unattended_at_4k(open_page, screenshot,
                                            demo_server: RunningServer) -> None:
    wall = open_page(3840, 2160)
    wall.goto(kiosk_url(demo_server))  # no password typed: the token is the wall's login
    wall.wait_for_url("**/wall")
    wall.wait_for_selector("#wall-connection.live", timeout=20000)
    wall.wait_for_function(LIVE_JS)
    wall.wait_for_function("() => window.eccLive.stats().units > 0", timeout=20000)
    fits = wall.evaluate("() => [document.documentElement.scrollWidth <= innerWidth,"
                         " document.documentElement.scrollHeight <= innerHeight]")
    assert fits == [True, True]  # no scrolling on the wall
    title = wall.locator(".wall-header h1").bounding_box()
    assert title["height"] > 60  # large type at 4K, not a 1080p layout in a corner
    screenshot(wall)

    wall.goto(f"{demo_server.url}/alerts")  # a kiosk sees the wall only
    wall.wait_for_url("**/wall")
    reply = wall.request.post(f"{demo_server.url}/api/v1/tips", data={"kind": "other"})
    assert reply.status in (401, 403)
    assert_clean(wall)


def test_a_small_wall_turns_its_panels(open_page, screenshot, demo_server: RunningServer) -> None:
    wall = open_page(1280, 720)
    wall.goto(kiosk_url(demo_server))
    wall.wait_for_url("**/wall")
    wall.goto(f"{demo_server.url}/wall?rotate=5")
    wall.wait_for_selector(".wall.rotating .wall-body > .on-air", timeout=20000)
    first = wall.evaluate("() => [...document.querySelectorAll('.wall-body > *')]"
                          ".findIndex(p => p.classList.contains('on-air'))")
    screenshot(wall, "first")
    wall.wait_for_function(
        f"() => [...document.querySelectorAll('.wall-body > *')]"
        f".findIndex(p => p.classList.contains('on-air')) !== {first}", timeout=15000)
    screenshot(wall, "next")
    assert_clean(wall)


def test_a_role_meets_a_refusal_not_a_page(open_page, login, screenshot,
                                           demo_server: RunningServer) -> None:
    page = open_page(1024, 768)
    login(page, "intake", next_path="/intake")
    page.wait_for_selector("#intake-submit", timeout=20000)
    nav = page.locator("nav").inner_text()
    assert "领导驾驶舱" not in nav and "审计" not in nav  # the nav offers only the role's pages
    reply = page.goto(f"{demo_server.url}/leader")
    assert reply.status == 403
    assert "/intake" in page.content()  # it says where this role may go
    screenshot(page, "refused")


def test_the_audit_log_shows_what_a_dispatcher_just_did(open_page, login, screenshot,
                                                        demo_server: RunningServer) -> None:
    token = demo_server.token("dispatcher")
    alerts = requests.get(f"{demo_server.url}/api/v1/alerts?state=unacknowledged", timeout=10,
                          headers={"Authorization": f"Bearer {token}"}).json()
    target = alerts[0]
    acked = requests.post(f"{demo_server.url}/api/v1/alerts/{target['id']}/ack", timeout=10,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"note": "e2e 审计核对"})
    assert acked.status_code == 200, acked.text

    page = open_page(1920, 1080)
    login(page, "admin", next_path="/audit")
    page.fill("#audit-actor", "dispatcher")
    page.click("#audit-search")
    page.wait_for_selector("#audit-table td:has-text('e2e 审计核对')", timeout=15000)
    screenshot(page)
    page.click("#audit-verify")
    page.wait_for_function("() => /完整|intact/.test(document.getElementById('audit-message')"
                           ".textContent)", timeout=15000)
    assert_clean(page)


def test_a_tip_accepted_at_intake_joins_the_dispatchers_queue(open_page, login, screenshot,
                                                               demo_server: RunningServer) -> None:
    console = open_page(1440, 900)
    login(console, "dispatcher", next_path="/dispatch")
    console.wait_for_selector("#dispatch-tips", timeout=20000)

    form = open_page(1024, 768)
    login(form, "intake", next_path="/intake")
    form.wait_for_selector("#intake-submit", timeout=20000)

    take_call(form, debtor_name="欧阳某某", address="中街大悦城",
              description="被执行人正在商场一楼，穿灰色外套")
    form.click("#intake-accept")
    form.wait_for_function("() => document.querySelector('#intake-result .ok')"
                           ".textContent.includes('受理')", timeout=15000)
    screenshot(form, "accepted")

    console.wait_for_selector("#dispatch-tips td:has-text('被执行人正在商场一楼')", timeout=15000)
    screenshot(console, "queued")
    assert_clean(form)
    assert_clean(console)
