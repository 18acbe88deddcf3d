"""The node catalog: the shipped data/nodes.yaml holds every NODES.md §2 row, and a malformed
file fails with a message naming the row and the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from enforcement.calendar import Limit
from enforcement.catalog import (
    DEFAULT_PATH,
    Catalog,
    CatalogError,
    Direction,
    NodeKind,
    Tag,
    load_catalog,
)
from enforcement.errors import InvalidInput, NotFound

# NODES.md §2, in table order
NODE_IDS = [
    "filing_review", "assign_handler", "execution_notice", "execution_notice_legal", "ask_leads",
    "network_query", "verify_lead", "investigation_done", "seizure_expiry",
    "reference_price_start", "online_inquiry_report", "appraisal_report", "sale_start",
    "auction_notice", "reauction", "sale_ruling", "hand_over", "payout", "objection_docket",
    "objection_ruling", "reconsideration", "conclusion", "extension_request",
    "higher_court_right", "zhongben_requery", "dishonest_listing", "dishonest_removal",
    "petition_log", "petition_close", "tip_arrival",
]
ALL_PAUSE_REASONS = {
    "suspension", "deferral", "publication", "appraisal", "auction_sale",
    "higher_court_request", "coordination", "jurisdiction_dispute",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


# --- the shipped catalog -----------------------------------------------------------------------


def test_default_path_is_the_repository_data_file() -> None:
    assert DEFAULT_PATH == Path(__file__).resolve().parents[2] / "data" / "nodes.yaml"


def test_every_nodes_md_row_is_in_the_catalog_in_order(catalog: Catalog) -> None:
    assert [node.id for node in catalog] == NODE_IDS
    assert len(catalog) == 30


def test_pause_reasons_are_the_eight_of_nodes_md(catalog: Catalog) -> None:
    assert set(catalog.pause_reasons) == ALL_PAUSE_REASONS
    assert catalog.pause_reasons["suspension"] == "中止执行"


@pytest.mark.parametrize(
    ("node_id", "limit", "kind", "tag"),
    [
        ("filing_review", "7d", NodeKind.URGE, Tag.T),
        ("assign_handler", "7d", NodeKind.URGE, Tag.T),
        ("execution_notice", "3d", NodeKind.URGE, Tag.T),
        ("execution_notice_legal", "10d", NodeKind.HARD, Tag.T),
        ("ask_leads", "3d", NodeKind.REMIND, Tag.T),
        ("network_query", "5d", NodeKind.URGE, Tag.L),
        ("verify_lead", "7d", NodeKind.URGE, Tag.T),
        ("investigation_done", "1mo", NodeKind.URGE, Tag.T),
        ("reference_price_start", "30d", NodeKind.URGE, Tag.T),
        ("online_inquiry_report", "3d", NodeKind.REMIND, Tag.T),
        ("appraisal_report", "30d", NodeKind.URGE, Tag.T),
        ("sale_start", "10d", NodeKind.URGE, Tag.T),
        ("reauction", "30d", NodeKind.URGE, Tag.T),
        ("sale_ruling", "10d", NodeKind.URGE, Tag.T),
        ("hand_over", "15d", NodeKind.URGE, Tag.T),
        ("payout", "30d", NodeKind.URGE, Tag.P),
        ("objection_docket", "3d", NodeKind.URGE, Tag.T),
        ("objection_ruling", "15d", NodeKind.HARD, Tag.T),
        ("reconsideration", "30d", NodeKind.URGE, Tag.T),
        ("conclusion", "6mo", NodeKind.URGE, Tag.T),
        ("extension_request", "5d", NodeKind.REMIND, Tag.T),
        ("higher_court_right", "6mo", NodeKind.REMIND, Tag.T),
        ("zhongben_requery", "6mo", NodeKind.REMIND, Tag.T),
        ("dishonest_listing", "2y", NodeKind.REMIND, Tag.T),
        ("dishonest_removal", "3wd", NodeKind.URGE, Tag.P),
        ("petition_log", "5wd", NodeKind.URGE, Tag.P),
        ("petition_close", "30wd", NodeKind.URGE, Tag.P),
        ("tip_arrival", "1h", NodeKind.HARD, Tag.L),
    ],
)
def test_row_defaults(catalog: Catalog, node_id: str, limit: str, kind: NodeKind,
                      tag: Tag) -> None:
    node = catalog.get(node_id)
    assert node.limit() == Limit.parse(limit)
    assert (node.kind, node.tag) == (kind, tag)


def test_every_row_is_complete(catalog: Catalog) -> None:
    for node in catalog:
        assert node.name_zh and node.name_en and node.source, node.id
        assert node.limits, node.id
        assert node.points == 10, node.id
        assert node.pausable <= ALL_PAUSE_REASONS, node.id


def test_seizure_expiry_has_per_asset_limits_and_reminders(catalog: Catalog) -> None:
    node = catalog.get("seizure_expiry")
    assert node.variants == ("deposit", "movable", "real_estate", "other_right")
    assert [str(node.limit(v)) for v in node.variants] == ["1y", "2y", "3y", "3y"]
    assert node.reminders == (30, 7, 1)
    assert node.kind is NodeKind.HARD and node.lock is True


def test_a_node_without_default_needs_a_variant(catalog: Catalog) -> None:
    with pytest.raises(InvalidInput, match="real_estate"):
        catalog.get("seizure_expiry").limit()
    with pytest.raises(InvalidInput):
        catalog.get("verify_lead").limit("no_such_variant")


def test_variant_limits(catalog: Catalog) -> None:
    assert str(catalog.get("verify_lead").limit("urgent")) == "3d"
    assert str(catalog.get("conclusion").limit("non_litigation")) == "3mo"
    assert str(catalog.get("tip_arrival").limit("within_60km")) == "2h"
    assert str(catalog.get("auction_notice").limit("real_estate")) == "30d"
    assert str(catalog.get("auction_notice").limit("movable")) == "15d"


def test_conclusion_clock_excludes_all_eight_pause_reasons(catalog: Catalog) -> None:
    conclusion = catalog.get("conclusion")
    assert conclusion.pausable == ALL_PAUSE_REASONS
    assert conclusion.pauses_on("auction_sale")
    assert conclusion.lock is True
    assert conclusion.extension is not None and str(conclusion.extension.limit) == "3mo"


def test_higher_court_clock_excludes_the_six_periods_of_article_13(catalog: Catalog) -> None:
    node = catalog.get("higher_court_right")
    assert node.pausable == ALL_PAUSE_REASONS - {"auction_sale", "higher_court_request"}


def test_other_clocks_run_through_pauses_by_default(catalog: Catalog) -> None:
    assert not catalog.get("objection_ruling").pauses_on("suspension")


def test_extensions_repeats_and_directions(catalog: Catalog) -> None:
    appraisal = catalog.get("appraisal_report").extension
    assert appraisal is not None and (str(appraisal.limit), appraisal.times) == ("15d", 2)
    requery = catalog.get("zhongben_requery").repeat
    assert requery is not None and (str(requery.every), str(requery.lasting)) == ("6mo", "5y")
    assert catalog.get("auction_notice").direction is Direction.BEFORE
    assert catalog.get("extension_request").direction is Direction.BEFORE
    assert catalog.get("filing_review").direction is Direction.AFTER


def test_lock_defaults_to_hard_nodes(catalog: Catalog) -> None:
    assert catalog.get("objection_ruling").lock is True
    assert catalog.get("filing_review").lock is False
    assert catalog.get("tip_arrival").lock is False  # an SLA on a dispatch, not a case


def test_alert_defaults(catalog: Catalog) -> None:
    alerts = catalog.alerts
    assert alerts.levels == ("upcoming", "due", "overdue", "chased", "locked", "paused", "done")
    assert alerts.upcoming_fraction == 0.2
    assert str(alerts.upcoming_cap) == "3d"
    assert str(alerts.lock_grace) == "3d"
    assert [str(step.period) for step in alerts.escalation] == [
        "3mo", "2mo", "1mo", "1mo", "1mo", "1mo",
    ]
    assert alerts.escalation[-1].holder == "vice_president"
    assert alerts.legal_escalation_node == "higher_court_right"
    assert str(alerts.legal_escalation_after) == "6mo"


def test_lookup(catalog: Catalog) -> None:
    assert "conclusion" in catalog
    assert "nope" not in catalog
    with pytest.raises(NotFound):
        catalog.get("nope")


def test_node_specs_are_frozen(catalog: Catalog) -> None:
    with pytest.raises(AttributeError):
        catalog.get("conclusion").points = 99  # type: ignore[misc]
    assert hash(catalog.get("conclusion"))


# --- malformed catalogs ------------------------------------------------------------------------


def shipped() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "nodes.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def row(document: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(r for r in document["nodes"] if r["id"] == node_id)


def test_a_bad_limit_names_the_row_and_field(tmp_path: Path) -> None:
    document = shipped()
    row(document, "verify_lead")["limit"] = "7x"
    with pytest.raises(CatalogError) as error:
        load_catalog(write(tmp_path, document))
    assert str(error.value) == "nodes.yaml row 7 (verify_lead): limit '7x' is not a limit"
    assert error.value.field == "limit"
    assert isinstance(error.value, InvalidInput)


def set_field(node_id: str, key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        row(document, node_id)[key] = value
    return mutate


def drop_field(node_id: str, key: str) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        del row(document, node_id)[key]
    return mutate


def replace_row(number: int, value: object) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        document["nodes"][number - 1] = value
    return mutate


def set_alert(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        document["alerts"][key] = value
    return mutate


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (set_field("verify_lead", "limit", {"default": "7d", "urgent": "3 days"}),
         "limit.urgent", "row 7 (verify_lead): limit.urgent '3 days' is not a limit"),
        (set_field("conclusion", "limit", 6), "limit", "row 22 (conclusion): limit 6"),
        (set_field("filing_review", "kind", "nag"), "kind",
         "row 1 (filing_review): kind 'nag' is not one of urge, remind, hard"),
        (set_field("payout", "tag", "X"), "tag", "row 18 (payout): tag 'X'"),
        (set_field("conclusion", "pausable", ["suspension", "holiday"]), "pausable",
         "row 22 (conclusion): pausable 'holiday' is not a known pause reason"),
        (set_field("sale_start", "points", -1), "points", "row 13 (sale_start): points -1"),
        (set_field("sale_start", "points", "ten"), "points", "row 13 (sale_start): points 'ten'"),
        (set_field("seizure_expiry", "reminders", [30, 0]), "reminders",
         "row 9 (seizure_expiry): reminders 0"),
        (set_field("hand_over", "start", "Sale Ruling"), "start",
         "row 17 (hand_over): start 'Sale Ruling' is not a snake_case name"),
        (set_field("hand_over", "pausible", []), "pausible",
         "row 17 (hand_over): unknown field 'pausible'"),
        (set_field("hand_over", "direction", "sideways"), "direction", "row 17 (hand_over)"),
        (set_field("hand_over", "lock", "yes"), "lock", "row 17 (hand_over): lock 'yes'"),
        (set_field("appraisal_report", "extension", {"limit": "15", "times": 2}),
         "extension.limit", "row 12 (appraisal_report): extension.limit '15'"),
        (set_field("zhongben_requery", "repeat", {"every": "6mo"}), "repeat.for",
         "row 25 (zhongben_requery): repeat.for None"),
        (drop_field("payout", "source"), "source", "row 18 (payout): source is missing"),
        (set_field("payout", "name_zh", ""), "name_zh", "row 18 (payout): name_zh ''"),
        (set_field("petition_close", "id", "petition_log"), "id",
         "row 29 (petition_log): id 'petition_log' is used twice"),
        (replace_row(4, "execution_notice_legal"), "row", "row 4: row must be a mapping"),
        (set_alert("lock_grace", "three days"), "lock_grace",
         "alerts: lock_grace 'three days' is not a limit"),
        (set_alert("upcoming", {"fraction": 1.5, "cap": "3d"}), "upcoming.fraction",
         "alerts: upcoming.fraction 1.5"),
        (set_alert("escalation", [{"stage": "fast_flow", "holder": "fast_team",
                                   "period": "3m"}]),
         "period", "alerts escalation step 1: period '3m' is not a limit"),
        (set_alert("legal_escalation", {"node": "nowhere", "after": "6mo"}),
         "legal_escalation.node", "alerts: legal_escalation.node 'nowhere'"),
    ],
)
def test_malformed_rows_name_the_row_and_field(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], field: str, message: str
) -> None:
    document = shipped()
    mutate(document)
    with pytest.raises(CatalogError) as error:
        load_catalog(write(tmp_path, document))
    assert str(error.value).startswith(f"nodes.yaml {message}"), str(error.value)
    assert error.value.field == field


def test_missing_nodes_list(tmp_path: Path) -> None:
    document = shipped()
    document["nodes"] = []
    with pytest.raises(CatalogError, match="nodes must be a non-empty list"):
        load_catalog(write(tmp_path, document))


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("nodes: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="broken.yaml: cannot read"):
        load_catalog(broken)
    with pytest.raises(CatalogError, match="document must be a mapping"):
        load_catalog(write(tmp_path, ["not", "a", "mapping"]))


def test_a_copy_of_the_shipped_file_loads_from_any_path(tmp_path: Path) -> None:
    catalog = load_catalog(str(write(tmp_path, shipped())))
    assert [node.id for node in catalog] == NODE_IDS
