"""The wall left running: does its memory stay flat? A demo center at a fast clock, the wall open
in Debian's Chromium, its JS heap and DOM size sampled over the run.

The baseline is the page itself after a warm-up minute: the figures are the heap at each sample
as a ratio to it, and the slope of a straight line through the samples after warm-up (MB per
hour). A page that leaks grows linearly with events; a flat one wobbles around its baseline as the
garbage collector runs. ``--speed 60`` puts an hour of simulated events into each minute.

    python -m bench.wall_soak --minutes 10 --speed 60
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tests.conftest import start_server, stop_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"]
PROBE = """() => { if (window.gc) { window.gc(); } return {heap: performance.memory.usedJSHeapSize,
  nodes: document.getElementsByTagName('*').length,
  events: window.eccLive ? window.eccLive.stats().events : 0,
  snapshots: window.eccLive ? window.eccLive.stats().snapshots : 0}; }"""


def sample(page) -> dict[str, float]:  # noqa: ANN001
    return page.evaluate(PROBE)


def slope_mb_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, bytes) in MB per hour."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs) or 1.0
    return sum((x - mx) * (y - my) for x, y in points) / var * 3600 / 2**20


def soak(minutes: float, speed: float, every_s: float, warmup_s: float) -> list[dict]:
    from playwright.sync_api import sync_playwright

    data_dir = Path(tempfile.mkdtemp(prefix="ecc-soak-"))
    server = start_server(data_dir, "--speed", str(speed))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=ARGS + ["--js-flags=--expose-gc"])
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            accounts = (data_dir / "demo-accounts.txt").read_text().split("\n")
            password = next(line.split()[2] for line in accounts if line.startswith("duty "))
            page.goto(f"{server.url}/login?next=/wall")
            page.fill("input[name=username]", "duty")
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_selector("#wall-connection.live", timeout=60000)
            start, rows = time.monotonic(), []
            while (elapsed := time.monotonic() - start) < minutes * 60:
                rows.append({"t": elapsed, **sample(page)})
                print(f"{elapsed:7.0f} s  heap {rows[-1]['heap'] / 2**20:6.1f} MB  "
                      f"nodes {rows[-1]['nodes']:6d}  events {rows[-1]['events']}", flush=True)
                time.sleep(every_s)
            browser.close()
    finally:
        stop_server(server)
    return [r for r in rows if r["t"] >= warmup_s] or rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.wall_soak", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--speed", type=float, default=60)
    parser.add_argument("--every", type=float, default=20, help="seconds between samples")
    parser.add_argument("--warmup", type=float, default=60, help="seconds before the baseline")
    args = parser.parse_args()
    rows = soak(args.minutes, args.speed, args.every, args.warmup)
    base = rows[0]["heap"]
    heaps = [r["heap"] / base for r in rows]
    print(f"\nafter warm-up: {len(rows)} samples over {rows[-1]['t'] - rows[0]['t']:.0f} s "
          f"({(rows[-1]['t'] - rows[0]['t']) * args.speed / 3600:.1f} simulated hours)")
    print(f"heap baseline {base / 2**20:.1f} MB; ratio min {min(heaps):.2f} max {max(heaps):.2f} "
          f"last {heaps[-1]:.2f}; slope {slope_mb_per_hour([(r['t'], r['heap']) for r in rows]):+.1f}"
          " MB per real hour")
    print(f"DOM nodes first {rows[0]['nodes']} last {rows[-1]['nodes']}; "
          f"live events {rows[-1]['events'] - rows[0]['events']}, "
          f"snapshots {rows[-1]['snapshots'] - rows[0]['snapshots']}")


if __name__ == "__main__":
    main()
