"""The leadership page (领导驾驶舱) on a tablet, in a real headless Chromium against a demo center:
KPI tiles and charts, a drill into a court and down to its cases, a shared link, live updates."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import requests

from tests.conftest import RunningServer
from tests.e2e.conftest import assert_clean

pytestmark = pytest.mark.e2e
LOAD_MS = 45_000  # a fresh page parses plotly.js; on a busy 2-core machine that takes a while

COUNT = ("(label) => { const tile = [...document.querySelectorAll('#leader-counts .count-tile')]"
         ".find(t => t.querySelector('.count-label').textContent === label);"
         " return tile ? Number(tile.querySelector('.count-value').textContent.replace(/,/g, '')) : -1; }")


def open_leader(page, server: RunningServer, login, query: str = "") -> None:
    login(page, "leader", next_path="/leader")
    if query:
        page.goto(f"{server.url}/leader{query}")
    wait_drawn(page)


def wait_drawn(page) -> None:
    page.wait_for_selector("#leader-tiles .kpi-tile", timeout=LOAD_MS)
    page.wait_for_selector("#leader-rank-courts tr.pick")
    for chart in ("leader-debtor-chart", "leader-disposition-chart", "leader-trend-chart"):
        page.wait_for_selector(f"#{chart} .main-svg")


def crumbs(page) -> list[str]:
    return [t.strip() for t in page.locator("#leader-crumbs .crumb").all_inner_texts()]


def bars(page, chart: str) -> int:
    return page.locator(f"#{chart} .bars .point").count()


def test_a_leader_drills_from_the_city_to_a_courts_cases(open_page, login, screenshot,
                                                          demo_server: RunningServer) -> None:
    page = open_page(1024, 768)
    open_leader(page, demo_server, login)
    assert page.locator(".leader-header h1").inner_text() == "领导驾驶舱"
    assert crumbs(page) == ["沈阳全市"]
    tiles = page.locator("#leader-tiles .kpi-tile")
    assert tiles.count() == 8
    assert re.fullmatch(r"\d+\.\d%", tiles.first.locator(".kpi-value").inner_text())
    targets = page.locator("#leader-tiles .kpi-target", has_text="目标 ≥ 90%")
    assert targets.count() == 3
    assert page.evaluate(COUNT, "新收") > 0
    assert bars(page, "leader-debtor-chart") >= 2 and bars(page, "leader-disposition-chart") >= 2
    assert page.locator("#leader-trend-chart .bars .point").count() >= 2
    assert page.locator("#leader-rank-courts tr.pick").count() >= 10
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"horizontal scroll at 1024 px: {width}"
    for tap_target in ("#leader-counts .count-tile", ".leader .chip", "#leader-rank-courts tr.pick"):
        box = page.locator(tap_target).first.bounding_box()
        assert box and box["height"] >= 44, (tap_target, box)  # a finger, not a mouse
    screenshot(page, "city")

    page.locator("#leader-rank-courts tr.pick", has_text="和平").first.click()
    page.wait_for_url(re.compile(r"court=210102"))
    page.wait_for_function("() => document.querySelector('#leader-crumbs').textContent.includes('和平')")
    assert crumbs(page) == ["沈阳全市", "和平"]
    page.wait_for_function(
        "() => [...document.querySelectorAll('#leader-rank-teams td.name')]"
        ".every(td => td.textContent.startsWith('和平'))")
    assert page.locator("#leader-rank-courts tr.selected").inner_text().split()[1] == "和平"
    assert "和平" in page.locator("#leader-court").inner_text()

    page.locator("#leader-counts .count-tile", has_text="新收").click()
    page.wait_for_url(re.compile(r"cases=received"))
    page.wait_for_selector("#leader-cases table.cases tbody tr")
    assert crumbs(page) == ["沈阳全市", "和平", "案件清单 · 新收"]
    assert page.locator("#leader-charts").is_hidden()
    courts = page.locator("#leader-cases table.cases tbody td:nth-child(2)").all_inner_texts()
    assert courts and set(courts) == {"和平"}
    assert page.locator("#leader-cases .chip.active").inner_text() == "新收"
    screenshot(page, "cases")

    shared = page.url  # a colleague signed in on another device opens the link
    other = open_page(1920, 1080)
    login(other, "leader", next_path="/leader")
    other.goto(shared)
    other.wait_for_selector("#leader-cases table.cases tbody tr", timeout=LOAD_MS)
    assert other.url == shared
    assert crumbs(other) == ["沈阳全市", "和平", "案件清单 · 新收"]
    assert other.locator("#leader-cases table.cases tbody td:nth-child(2)").all_inner_texts()[0] == "和平"
    screenshot(other, "shared")

    other.locator("#leader-crumbs button.crumb", has_text="沈阳全市").click()
    other.wait_for_url(f"{demo_server.url}/leader")
    wait_drawn(other)
    other.wait_for_function("() => !document.querySelector('#leader-charts').hidden")
    screenshot(other, "city")
    assert_clean(page)
    assert_clean(other)


def test_filters_apply_to_every_chart_and_stay_in_the_url(open_page, login, screenshot,
                                                          demo_server: RunningServer) -> None:
    page = open_page(1024, 768)
    open_leader(page, demo_server, login, "?disposition=zhongben&lang=en")
    assert page.locator(".leader-header h1").inner_text() == "Leadership"
    assert crumbs(page) == ["All Shenyang"]
    page.wait_for_function("() => document.querySelectorAll("
                           "'#leader-disposition-chart .bars .point').length === 1")
    assert "Closed for now" in page.locator("#leader-disposition-chart").inner_text()
    assert "Closed for now" in page.locator("#leader-disposition").inner_text()

    page.get_by_role("button", name="Month", exact=True).click()
    page.wait_for_url(re.compile(r"from=\d{4}-\d\d-01&to=\d{4}-\d\d-\d\d"))
    assert "disposition=zhongben" in page.url and "lang=en" in page.url
    page.wait_for_function("() => document.querySelector('#leader-period-label')"
                           ".textContent.match(/^\\d{4}-\\d\\d-01 to /)")
    screenshot(page, "filtered")

    page.locator(".leader .chip.reset").click()
    page.wait_for_url(f"{demo_server.url}/leader?lang=en")
    assert_clean(page)


def test_a_court_outside_the_leaders_scope_is_refused(open_page, login,
                                                      demo_server: RunningServer) -> None:
    page = open_page(1024, 768)
    open_leader(page, demo_server, login, "?court=21&debtor=for_profit")  # the high court
    page.wait_for_url(f"{demo_server.url}/leader?debtor=for_profit")
    assert crumbs(page) == ["沈阳全市"]
    assert page.locator("#leader-rank-courts td.name", has_text="省高院").count() == 0
    assert_clean(page)


def test_a_new_case_reaches_the_leader_page_without_a_reload(open_page, login, screenshot,
                                                              demo_server: RunningServer) -> None:
    page = open_page(1024, 768)
    open_leader(page, demo_server, login)
    page.wait_for_function("() => window.eccLive && window.eccLive.stats().connected")
    before = page.evaluate(COUNT, "新收")
    filed = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(minutes=5)
    reply = requests.post(f"{demo_server.url}/api/v1/cases", timeout=10,
                          headers={"Authorization": f"Bearer {demo_server.token('duty')}"},
                          json={"case_no": "（2026）辽0104执9902号", "court_id": "210104",
                                "case_type": "执", "filed_at": filed.isoformat(), "amount": 80000,
                                "debtors": [{"name": "王某", "debtor_type": "自然人"}]})
    assert reply.status_code == 201, reply.text
    page.wait_for_function(f"() => ({COUNT})('新收') > {before}", timeout=15000)
    screenshot(page, "live")
    assert_clean(page)


def test_the_walls_kpi_strip_follows_kpi_events(open_page, login, screenshot,
                                                demo_server: RunningServer) -> None:
    page = open_page(1920, 1080)
    login(page, "duty")
    page.wait_for_selector("#wall-connection.live", timeout=LOAD_MS)
    cells = page.locator("#wall-kpi-strip .strip-cell")
    page.wait_for_function("() => /\\d/.test(document.querySelector('#wall-kpi-strip .strip-value')"
                           ".textContent)", timeout=15000)
    assert cells.count() == 6
    assert cells.locator(".strip-label").all_inner_texts() == [
        "执结率", "实际执行率", "执行标的到位率", "法定期限内实际执结率", "终本合格率", "平均执行天数"]
    for i in range(6):
        box = cells.nth(i).bounding_box()
        assert box and box["y"] + box["height"] < 1080 and box["height"] >= 60, box
        value = cells.nth(i).locator(".strip-value")
        assert float(value.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 40
    scroll = page.evaluate("() => [document.documentElement.scrollHeight, window.innerHeight]")
    assert scroll[0] <= scroll[1] + 1, f"the wall scrolls: {scroll}"

    filed = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(minutes=5)
    with page.expect_response(lambda r: "_dash-update-component" in r.url
                              and "wall-kpi-strip" in (r.request.post_data or ""),
                              timeout=15000) as redrawn:
        reply = requests.post(f"{demo_server.url}/api/v1/cases", timeout=10,
                              headers={"Authorization": f"Bearer {demo_server.token('duty')}"},
                              json={"case_no": "（2026）辽0105执9903号", "court_id": "210105",
                                    "case_type": "执", "filed_at": filed.isoformat(),
                                    "amount": 20000,
                                    "debtors": [{"name": "赵某", "debtor_type": "自然人"}]})
        assert reply.status_code == 201, reply.text
    assert redrawn.value.status == 200
    screenshot(page, "kpi-strip")
    assert_clean(page)
