"""The wall display in a real headless Chromium, against a real demo center at 30× speed."""

from __future__ import annotations

import re
import time

import pytest

from tests.conftest import RunningServer
from tests.e2e.conftest import assert_clean, take_call

pytestmark = pytest.mark.e2e

UNITS_JS = """() => {
  const gd = document.querySelector('#wall-map-urban .js-plotly-plot');
  const t = gd && gd.data && gd.data[4];
  if (!t) { return null; }
  return {ids: Array.from(t.customdata || []), x: Array.from(t.x || []), y: Array.from(t.y || [])};
}"""
LIVE_JS = "() => window.eccLive && window.eccLive.stats().connected && window.eccLive.stats().patches > 0"


def positions(page) -> dict[str, tuple[float, float]]:
    units = page.evaluate(UNITS_JS)
    assert units is not None, "the urban map has no units trace"
    return {uid: (x, y) for uid, x, y in zip(units["ids"], units["x"], units["y"], strict=True)}


def open_wall(page, server: RunningServer, login, query: str = "") -> None:
    login(page, "duty")
    page.goto(f"{server.url}/wall{query}")
    page.wait_for_selector("#wall-connection.live")
    page.wait_for_function(LIVE_JS)
    for map_id in ("wall-map-city", "wall-map-urban"):
        page.wait_for_selector(f"#{map_id} .js-plotly-plot .main-svg")
        page.wait_for_function(
            f"() => {{ const gd = document.querySelector('#{map_id} .js-plotly-plot');"
            " return gd && gd.data && gd.data[4] && (gd.data[4].x || []).length > 0; }")


def test_login_required_and_wrong_password(open_page, demo_server: RunningServer) -> None:
    page = open_page()
    page.goto(f"{demo_server.url}/wall")
    assert re.fullmatch(rf"{re.escape(demo_server.url)}/login\?next=/wall", page.url), page.url
    assert page.locator("input[name=username]").is_visible()
    assert_clean(page)  # the redirect and the login form are error-free

    page.fill("input[name=username]", "duty")
    page.fill("input[name=password]", "definitely-not-the-password")
    with page.expect_response(lambda r: r.url == f"{demo_server.url}/login"
                              and r.request.method == "POST") as posted:
        page.click("button[type=submit]")
    assert posted.value.status == 401
    page.wait_for_load_state()
    error = page.locator("p.error[role=alert]")
    assert error.inner_text() == "用户名或密码错误"
    assert page.locator("input[name=username]").is_visible()  # the form is shown again

    # Chromium reports the 401 document as a failed resource load; that is the one error expected.
    def expected_401(text: str, url: str) -> bool:
        return url == f"{demo_server.url}/login" and "401" in text

    assert_clean(page, allow=expected_401)


def test_wall_live_at_1080p(open_page, login, screenshot, demo_server: RunningServer) -> None:
    page = open_page(1920, 1080)
    open_wall(page, demo_server, login)

    assert "执行指挥中心" in page.locator(".wall-header h1").inner_text()
    assert page.locator(".wall-header .subtitle").inner_text() == "单兵态势 · 节点预警"
    clock = page.locator("#wall-clock")
    first_time = clock.inner_text()
    assert re.fullmatch(r"\d\d:\d\d:\d\d", first_time), first_time
    page.wait_for_function(
        f"() => document.getElementById('wall-clock').textContent !== {first_time!r}")
    assert re.fullmatch(r"\d\d:\d\d:\d\d", clock.inner_text())
    assert page.locator("#wall-date").inner_text().strip()
    for map_id in ("wall-map-city", "wall-map-urban"):
        box = page.locator(f"#{map_id}").bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200, (map_id, box)
        assert page.locator(f"#{map_id} .scatterlayer .point").count() > 0, map_id

    before = positions(page)
    assert len(before) >= 10, f"only {len(before)} units on the map"
    shot_a = screenshot(page, "A")
    moved: list[str] = []
    deadline = time.monotonic() + 10
    time.sleep(3)
    while True:
        after = positions(page)
        moved = [uid for uid, xy in after.items() if uid in before and xy != before[uid]]
        if moved or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    shot_b = screenshot(page, "B")
    assert moved, "no unit moved on the urban map"
    assert shot_a != shot_b, "the two screenshots are identical"
    stats = page.evaluate("() => window.eccLive.stats()")
    assert stats["connected"] and stats["snapshots"] > 0 and stats["units"] >= len(before), stats
    assert_clean(page)


def test_wall_fits_a_tablet(open_page, login, screenshot, demo_server: RunningServer) -> None:
    page = open_page(1024, 768)
    open_wall(page, demo_server, login)
    scroll = page.evaluate("() => [document.documentElement.scrollHeight, window.innerHeight]")
    assert scroll[0] <= scroll[1] + 1, f"vertical scrollbar: scrollHeight {scroll[0]} > {scroll[1]}"
    counts = page.locator("[id^=wall-count-]")
    assert counts.count() == 7
    for i in range(counts.count()):
        count = counts.nth(i)
        assert count.is_visible(), count.get_attribute("id")
        assert re.fullmatch(r"\d+", count.inner_text()), count.inner_text()
        box = count.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 768, (
            count.get_attribute("id"), box)
    screenshot(page)
    assert_clean(page)


def test_wall_in_english(open_page, login, screenshot, demo_server: RunningServer) -> None:
    page = open_page(1920, 1080)
    open_wall(page, demo_server, login, "?lang=en")
    assert "Enforcement Command" in page.locator(".wall-header h1").inner_text()
    assert page.locator(".wall-header .subtitle").inner_text() == "Field units · node alerts"
    headings = page.locator(".panel h2").all_inner_texts()
    assert headings == ["Field units", "Whole city", "Urban area", "Node alerts",
                        "Last 24 hours of tips"], headings
    assert page.locator("#wall-connection").inner_text() == "● Live"
    labels = page.locator(".legend-row .label").all_inner_texts()
    assert labels[:2] == ["Available", "Dispatched"] and "Offline" in labels, labels
    captions = page.locator(".alert-counters .caption").all_inner_texts()
    assert captions == ["Locked", "Chased", "Overdue", "Due today", "Upcoming"], captions
    screenshot(page)
    assert_clean(page)


def test_new_alerts_reach_the_wall_without_a_reload(open_page, login, screenshot,
                                                     demo_server: RunningServer) -> None:
    import datetime as dt

    import requests

    page = open_page(1920, 1080)
    open_wall(page, demo_server, login)
    total = ("() => ['locked','chased','overdue','due','upcoming'].reduce((sum, level) => sum + "
             "Number(document.getElementById('wall-alerts-' + level).textContent), 0)")
    page.wait_for_timeout(1500)  # the board has loaded what stands now
    before = page.evaluate(total)
    filed = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(days=20)
    reply = requests.post(f"{demo_server.url}/api/v1/cases", timeout=10,
                          headers={"Authorization": f"Bearer {demo_server.token('duty')}"},
                          json={"case_no": "（2026）辽0103执9901号", "court_id": "210103",
                                "case_type": "执", "filed_at": filed.isoformat(), "amount": 50000,
                                "debtors": [{"name": "李某", "debtor_type": "自然人"}]})
    assert reply.status_code == 201, reply.text
    page.wait_for_function(f"() => ({total})() > {before}", timeout=15000)
    screenshot(page, "new-alerts")
    assert_clean(page)


def test_a_supervisor_acknowledges_and_chases_from_the_console(
        open_page, login, screenshot, demo_server: RunningServer) -> None:
    page = open_page(1440, 900)
    login(page, "leader", next_path="/alerts")
    page.wait_for_selector("table.alerts tbody tr", timeout=20000)
    button = page.locator("table.alerts tbody tr").first.get_by_role("button", name="确认")
    button_id = button.get_attribute("id")  # Dash's JSON id names the alert: it survives a redraw
    page.fill("#console-note", "已电话联系承办人")
    button.click()
    page.wait_for_function("() => document.querySelector('#console-message')"
                           ".textContent.startsWith('已确认')", timeout=10000)
    row = page.locator("table.alerts tbody tr", has=page.locator(f"[id='{button_id}']"))
    page.wait_for_function(
        "id => { const b = document.getElementById(id);"
        " return b && b.disabled && b.closest('tr').querySelector('td.ack')"
        ".textContent.includes('已电话联系承办人'); }", arg=button_id, timeout=10000)
    assert "已电话联系承办人" in row.locator("td.ack").inner_text()
    screenshot(page, "acknowledged")
    assert_clean(page)


def test_a_dispatch_from_the_console_shows_on_the_wall(open_page, login, screenshot,
                                                       demo_server: RunningServer) -> None:
    wall = open_page(1920, 1080)
    open_wall(wall, demo_server, login)
    wall.wait_for_function("() => window.eccLive.stats().units > 0", timeout=20000)

    console = open_page(1440, 900)
    login(console, "dispatcher", next_path="/dispatch")
    console.wait_for_selector("#dispatch-map .scatterlayer", timeout=20000)
    console.fill("#dispatch-lat", "41.7800")
    console.fill("#dispatch-lon", "123.4100")
    console.fill("#dispatch-ref", "演示线索 e2e")
    console.click("#dispatch-find")
    console.locator("#dispatch-ranked button", has_text="派单").first.click()
    console.wait_for_function("() => document.getElementById('dispatch-message')"
                              ".textContent.startsWith('已派')", timeout=15000)
    unit = re.search(r"已派 (\S+) 前往", console.locator("#dispatch-message").inner_text()).group(1)
    console.wait_for_selector("#dispatch-active td:has-text('演示线索 e2e')", timeout=15000)
    screenshot(console, "dispatched")

    # on the wall, that unit turns from available (green) to a busy colour, pushed, no reload
    busy = ["#ffd23f", "#3fa9ff", "#ff5a36"]  # dispatched, en route, on scene (palette.py)
    wall.wait_for_function(
        "([unit, busy]) => { const gd = document.querySelector('#wall-map-urban .js-plotly-plot');"
        " const t = gd.data[4]; const i = (t.customdata || []).indexOf(unit);"
        " return i >= 0 && busy.includes(t.marker.color[i]); }", arg=[unit, busy], timeout=15000)
    screenshot(wall, "dispatched")
    assert_clean(console)
    assert_clean(wall)


def test_a_tip_taken_at_intake_reaches_the_wall(open_page, login, screenshot,
                                                demo_server: RunningServer) -> None:
    wall = open_page(1920, 1080)
    open_wall(wall, demo_server, login)
    calls = "() => Number(document.getElementById('wall-intake-counts-calls').textContent)"
    wall.wait_for_timeout(1500)
    before = wall.evaluate(calls)

    form = open_page(1440, 900)
    login(form, "intake", next_path="/intake")
    form.wait_for_selector("#intake-submit", timeout=20000)

    take_call(form, caller_phone="13812345678", debtor_name="张某", address="太原街万达广场",
              description="<script>alert(1)</script> 被执行人的车在地下车库")
    assert "已定位" in form.locator("#intake-result").inner_text()
    form.wait_for_selector("#intake-recent td:has-text('张某')", timeout=15000)
    screenshot(form, "taken")

    wall.wait_for_function(f"() => ({calls})() > {before}", timeout=15000)
    screenshot(wall, "tip")
    assert_clean(form)
    assert_clean(wall)
