"""The optional MapLibre map: configured by a tile URL, its style served from this origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.app import create_app
from dashboard.layouts.wall import wall_layout
from dashboard.services import build_services
from dashboard.settings import SettingsError, load_settings
from enforcement.city import load_city

TILES = "https://tiles.court.example/{z}/{x}/{y}.png"


def test_a_tile_url_needs_its_placeholders() -> None:
    with pytest.raises(SettingsError, match="ECC_TILE_URL"):
        load_settings({}, environ={"ECC_TILE_URL": "https://tiles.example/tile.png"})
    assert load_settings({}, environ={"ECC_TILE_URL": TILES}).tile_url == TILES


def test_the_wall_uses_maplibre_when_tiles_are_configured(tmp_path: Path, sqlite_url: str,
                                                          clock) -> None:
    settings = load_settings({"db": sqlite_url, "data_dir": str(tmp_path), "demo": "false",
                              "tile_url": TILES}, environ={})
    center = create_app(settings, services=build_services(settings, clock=clock),
                        secret_key="test")
    style = center.server.test_client().get("/map/style.json").get_json()
    assert style["sources"]["tiles"]["tiles"] == [TILES]
    layout = wall_layout(load_city(), [], now=clock.now(), settings=settings, officers=[],
                         registry={})
    urban = layout.children[1].children[1].children[1]
    assert urban.figure.data[2].type == "scattermap"
    assert urban.figure.layout.map.style == "/map/style.json"
    config = layout.children[2].data
    assert [m["geo"] for m in config["maps"]] == [False, True]
    center.stop()
