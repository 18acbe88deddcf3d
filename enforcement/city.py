"""The city a center commands: its courts (reference data in ``data/courts.yaml``) and districts.

A court's scope (辖区范围) is itself and every court below it: a high court sees all, a basic court
only itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from enforcement.errors import InvalidInput
from enforcement.model import Court, CourtLevel

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class City:
    name: str
    name_en: str
    courts: tuple[Court, ...]
    districts: dict[str, Any]  # GeoJSON FeatureCollection, WGS-84

    @cached_property
    def by_id(self) -> dict[str, Court]:
        return {c.id: c for c in self.courts}

    def scope(self, court_id: str | None) -> frozenset[str]:
        """The ids a principal bound to ``court_id`` may see; None means the whole city."""
        if court_id is None:
            return frozenset(self.by_id)
        found, frontier = {court_id}, [court_id]
        while frontier:
            parent = frontier.pop()
            children = [c.id for c in self.courts if c.parent_id == parent]
            found.update(children)
            frontier.extend(children)
        return frozenset(found)

    def basic_courts(self) -> list[Court]:
        return [c for c in self.courts if c.level == CourtLevel.BASIC]


def load_city(data_dir: Path = DATA_DIR) -> City:
    raw = yaml.safe_load((data_dir / "courts.yaml").read_text(encoding="utf-8"))
    courts = tuple(_court(i, row) for i, row in enumerate(raw["courts"], start=1))
    districts = json.loads((data_dir / "shenyang-districts.geojson").read_text(encoding="utf-8"))
    return City(raw["city"], raw["city_en"], courts, districts)


def _court(number: int, row: dict[str, Any]) -> Court:
    try:
        return Court(
            id=str(row["id"]), name=row["name"], name_en=row["name_en"],
            level=CourtLevel(row["level"]), parent_id=row.get("parent_id"),
            lat=float(row["lat"]), lon=float(row["lon"]), district=row.get("district"),
            short=row.get("short"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInput(f"courts.yaml row {number}: {exc!r}", field="courts") from exc
