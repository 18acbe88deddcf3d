"""``ecc simulate --url``: an empty center fills with units and calls through its public interface."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from tests.conftest import start_server, stop_server


def ecc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", *args], capture_output=True,
                          text=True, timeout=120)


def test_simulate_drives_a_running_center_like_devices_and_callers(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    password = ecc("user", "add", "root", "--role", "admin", *data).stdout.strip()
    server = start_server(tmp_path, "--no-demo", "--speed", "3600")
    try:
        refused = ecc("simulate", "--url", server.url, "--user", "root", "--password", "wrong",
                      "--duration", "1")
        assert refused.returncode == 2 and "password" in refused.stderr.lower()

        run = ecc("simulate", "--url", server.url, "--user", "root", f"--password={password}",
                  "--units", "5", "--speed", "3600", "--duration", "8")  # the server's speed
        assert run.returncode == 0, run.stderr
        sent = dict(pair.split("=") for pair in run.stdout.split())
        assert sent["units"] == "5" and int(sent["fixes_sent"]) > 0
        assert sent["fixes_refused"] == "0" and int(sent["calls_taken"]) > 0

        token = requests.post(f"{server.url}/api/v1/auth/token", timeout=10,
                              json={"username": "root", "password": password}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        units = requests.get(f"{server.url}/api/v1/units", headers=auth, timeout=10).json()
        assert len(units) == 5 and all(u.get("last_fix") or u.get("lat") for u in units)
        tips = requests.get(f"{server.url}/api/v1/tips", headers=auth, timeout=10).json()
        assert len(tips) == int(sent["calls_taken"])

        again = ecc("simulate", "--url", server.url, "--user", "root", f"--password={password}",
                    "--units", "5", "--duration", "1")  # known units get fresh keys
        assert again.returncode == 0, again.stderr
    finally:
        stop_server(server)
