"""Matching a tip to open cases: normalisers, the debtor index, ranking with reasons, repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from enforcement.errors import InvalidInput
from enforcement.matching import (
    COMMON_NAME_AT,
    DebtorIndex,
    RepeatDetector,
    TipKey,
    match,
    normalise_case_no,
    normalise_id_no,
    normalise_name,
)

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def resident_id(first17: str) -> str:
    """A resident ID with its check digit computed here, independently of the module."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def credit_code(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


def wrong_last(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


ZHANG_SAN = resident_id("21010219850312123")
LI_SI = resident_id("21010319900101002")
SHANGMAO = credit_code("91210102MA0XY712A")


def make_index(*extra: tuple[str, str, str, str | None]) -> DebtorIndex:
    return DebtorIndex.from_rows([
        ("（2026）辽0102执1234号", "shenyang-heping", "张三", ZHANG_SAN),
        ("（2026）辽0103执88号", "shenyang-shenhe", "李四", LI_SI),
        ("（2025）辽01执恢7号", "shenyang-ip", "沈阳某某商贸有限公司", SHANGMAO),
        ("（2026）辽0102执2000号", "shenyang-heping", "大连某某商贸集团股份有限公司", None),
        *extra,
    ])


# --- normalisers ------------------------------------------------------------------------------


def test_a_resident_id_with_its_check_digit_is_accepted_and_an_x_uppercased() -> None:
    with_x = next(resident_id(f"2101021985031212{d}") for d in "0123456789"
                  if resident_id(f"2101021985031212{d}").endswith("X"))
    assert normalise_id_no(ZHANG_SAN) == ZHANG_SAN
    assert normalise_id_no(with_x.lower()) == with_x
    assert normalise_id_no(" ".join(["２１０１０２", ZHANG_SAN[6:]])) == ZHANG_SAN  # full-width, spaced


def test_the_published_examples_validate() -> None:
    assert normalise_id_no("11010519491231002x") == "11010519491231002X"  # GB 11643-1999
    assert normalise_id_no("440524188001010014") == "440524188001010014"  # GB 11643-1999
    assert normalise_id_no("91350100M000100Y43") == "91350100M000100Y43"  # the usual GB 32100 sample


def test_a_wrong_check_digit_or_a_bad_birth_date_is_rejected() -> None:
    assert normalise_id_no(wrong_last(ZHANG_SAN)) is None
    assert normalise_id_no(resident_id("21010219851332123")) is None  # month 13
    assert normalise_id_no("1234") is None


def test_a_15_digit_old_id_is_upgraded_to_18() -> None:
    assert normalise_id_no("210102850312123") == ZHANG_SAN


def test_a_unified_social_credit_code_is_checked() -> None:
    assert normalise_id_no(SHANGMAO.lower()) == SHANGMAO
    assert normalise_id_no(wrong_last(SHANGMAO)) is None
    assert normalise_id_no("91210102MA0XY712I" + SHANGMAO[-1]) is None  # I is not in the alphabet


@pytest.mark.parametrize("typed", [
    "（2026）辽0102执1234号", "(2026)辽0102执1234号", "(2026) 辽0102执 1234", "〔2026〕辽0102执1234号",
    "［2026］辽0102执01234号", "2026辽0102执1234",
])
def test_case_number_variants_become_one_canonical_form(typed: str) -> None:
    assert normalise_case_no(typed) == "（2026）辽0102执1234号"


def test_a_resumed_case_number_keeps_its_kind_and_garbage_is_none() -> None:
    assert normalise_case_no("(2025)辽01执恢7号") == "（2025）辽01执恢7号"
    assert normalise_case_no("张三") is None
    assert normalise_case_no("（2026）1234号") is None
    assert normalise_case_no("（2026）)辽01执1号") is None


def test_company_forms_are_dropped_for_matching_only() -> None:
    assert normalise_name("沈阳某某商贸有限公司") == "沈阳某某商贸"
    assert normalise_name("沈阳某某商贸有限责任公司") == "沈阳某某商贸"
    assert normalise_name("沈阳 某某商贸（集团）股份有限公司") == "沈阳某某商贸"
    assert normalise_name("张 三") == "张三"
    assert normalise_name("某公司") == "某公司"  # a core keeps two characters
    assert normalise_name("买买提·艾力") == "买买提艾力"


# --- matching ---------------------------------------------------------------------------------


def test_a_case_number_matches_exactly_whatever_the_brackets() -> None:
    [hit] = match(make_index(), case_no="(2026)辽0103执88")
    assert (hit.case_no, hit.court_id, hit.name, hit.reasons, hit.score) == (
        "（2026）辽0103执88号", "shenyang-shenhe", "李四", ("case_no",), 1.0)
    assert match(make_index(), case_no="(2026)辽0103执8") == []


def test_an_id_number_matches_its_debtor_and_outranks_a_name_match() -> None:
    index = make_index(("（2026）辽0104执5号", "shenyang-dadong", "李四", None))
    hits = match(index, id_no=LI_SI.lower(), name="张三")
    assert [(h.name, h.reasons) for h in hits] == [("李四", ("id_no",)), ("张三", ("name_exact",))]
    assert hits[0].score > hits[1].score


def test_id_and_name_on_the_same_debtor_score_above_either_alone() -> None:
    [both] = match(make_index(), id_no=ZHANG_SAN, name="张三")
    [by_id] = match(make_index(), id_no=ZHANG_SAN)
    assert both.reasons == ("id_no", "name_exact") and 1.0 >= both.score > by_id.score


def test_an_exact_name_matches_without_its_company_form() -> None:
    hits = match(make_index(), name="沈阳某某商贸有限责任公司")
    assert [(h.case_no, h.reasons) for h in hits] == [("（2025）辽01执恢7号", ("name_exact",))]


def test_part_of_a_company_name_matches_with_a_partial_reason() -> None:
    hits = match(make_index(), name="某某商贸")
    assert {h.name for h in hits} == {"沈阳某某商贸有限公司", "大连某某商贸集团股份有限公司"}
    assert all(h.reasons == ("name_partial",) and 0 < h.score < 0.7 for h in hits)


def test_a_prefix_ranks_above_a_mere_contains_and_below_an_exact_name() -> None:
    index = make_index(("（2026）辽0105执9号", "shenyang-tiexi", "某某商贸", None),
                       ("（2026）辽0105执10号", "shenyang-tiexi", "某某商贸城有限公司", None))
    hits = match(index, name="某某商贸")
    assert [h.reasons for h in hits][:2] == [("name_exact",), ("name_partial",)]
    assert hits[1].name == "某某商贸城有限公司"


def test_short_names_are_matched_exactly_only() -> None:
    index = make_index(("（2026）辽0105执11号", "shenyang-tiexi", "张三丰", None))
    assert [h.name for h in match(index, name="张三")] == ["张三"]
    assert [h.name for h in match(index, name="张三丰")] == ["张三丰"]


def test_a_name_many_debtors_share_is_flagged_common_and_capped_by_limit() -> None:
    many = [(f"（2026）辽0102执{3000 + i}号", "shenyang-heping", "张伟",
             resident_id(f"21010219800101{i:03d}")) for i in range(COMMON_NAME_AT + 30)]
    index = make_index(*many)
    hits = match(index, name="张 伟", id_no=ZHANG_SAN, limit=5)
    assert len(hits) == 5 and hits[0].name == "张三" and hits[0].reasons == ("id_no",)
    assert all(h.reasons == ("name_exact", "common_name") for h in hits[1:])
    assert hits[1].shared_by == COMMON_NAME_AT + 30 and hits[1].score < 0.5


def test_one_debtor_with_many_cases_is_not_a_common_name() -> None:
    cases = [(f"（2026）辽0102执{4000 + i}号", "shenyang-heping", "某某置业有限公司", SHANGMAO)
             for i in range(COMMON_NAME_AT + 5)]
    hits = match(make_index(*cases), name="某某置业", limit=3)
    assert len(hits) == 3 and all(h.reasons == ("name_exact",) for h in hits)
    assert hits[0].shared_by == COMMON_NAME_AT + 5  # open cases: ask which one


def test_many_partial_matches_are_flagged_common() -> None:
    shops = [(f"（2026）辽0102执{5000 + i}号", "shenyang-heping", f"沈阳{i}号某某超市有限公司", None)
             for i in range(COMMON_NAME_AT + 10)]
    hits = match(make_index(*shops), name="某某超市", limit=4)
    assert len(hits) == 4 and all(h.reasons == ("name_partial", "common_name") for h in hits)


def test_limit_bounds_the_answer_and_must_be_positive() -> None:
    assert len(match(make_index(), name="某某商贸", limit=1)) == 1
    with pytest.raises(InvalidInput):
        match(make_index(), name="张三", limit=0)


def test_nothing_given_or_nothing_valid_matches_nothing() -> None:
    assert match(make_index()) == []
    assert match(make_index(), id_no=wrong_last(ZHANG_SAN), case_no="unknown", name="王五") == []


def test_live_add_and_remove() -> None:
    index = make_index()
    assert len(index) == 4
    index.add("(2026)辽0106执1号", "shenyang-huanggu", "王五商贸有限公司", None)
    assert [h.case_no for h in match(index, name="王五商贸")] == ["（2026）辽0106执1号"]
    assert index.remove("（2026）辽0102执1234号") == 1
    assert match(index, id_no=ZHANG_SAN, name="张三", case_no="(2026)辽0102执1234") == []
    assert index.remove("(2025)辽01执恢7号") == 1
    assert [h.name for h in match(index, name="某某商贸")] == ["大连某某商贸集团股份有限公司"]
    assert len(index) == 3 and index.remove("（2025）辽01执恢7号") == 0


def test_a_case_with_two_debtors_returns_both() -> None:
    index = make_index(("（2026）辽0102执1234号", "shenyang-heping", "张三之妻", None))
    assert {h.name for h in match(index, case_no="（2026）辽0102执1234号")} == {"张三", "张三之妻"}


# --- repeats ----------------------------------------------------------------------------------

NORTH_STATION = (41.8268, 123.4375)
NEAR_STATION = (41.8286, 123.4375)  # 200 m north
FAR = (41.8400, 123.4375)  # 1.5 km north


def test_a_repeat_by_id_number_within_the_window() -> None:
    detector = RepeatDetector()
    assert detector.seen(TipKey(1, id_no=ZHANG_SAN), None, None, T0) == []
    assert detector.seen(TipKey(2, id_no=ZHANG_SAN.lower()), None, None, T0 + timedelta(hours=5)) == [1]


def test_a_repeat_by_name_ignores_company_forms() -> None:
    detector = RepeatDetector()
    detector.seen(TipKey("a", name="沈阳某某商贸有限公司"), *FAR, T0)
    assert detector.seen(TipKey("b", name="沈阳某某商贸"), *NORTH_STATION, T0 + timedelta(hours=1)) == ["a"]


def test_a_repeat_by_place_within_300_m_only() -> None:
    detector = RepeatDetector()
    detector.seen(TipKey(1, name="张三"), *NORTH_STATION, T0)
    assert detector.seen(TipKey(2, name="李四"), *NEAR_STATION, T0 + timedelta(minutes=30)) == [1]
    assert detector.seen(TipKey(3, name="王五"), *FAR, T0 + timedelta(minutes=40)) == []
    assert detector.seen(TipKey(4), None, None, T0 + timedelta(minutes=50)) == []


def test_no_repeat_after_the_window_and_memory_is_bounded_by_it() -> None:
    detector = RepeatDetector(window=timedelta(hours=6))
    for i in range(10):
        detector.seen(TipKey(i, id_no=ZHANG_SAN), *NORTH_STATION, T0 + timedelta(minutes=i))
    later = T0 + timedelta(hours=6, minutes=5)
    assert detector.seen(TipKey(99, id_no=ZHANG_SAN), *NORTH_STATION, later) == [5, 6, 7, 8, 9]
    assert len(detector) == 6


def test_a_late_tip_is_compared_with_earlier_ones_only() -> None:
    detector = RepeatDetector()
    detector.seen(TipKey(1, name="张三"), None, None, T0)
    detector.seen(TipKey(3, name="张三"), None, None, T0 + timedelta(hours=2))
    assert detector.seen(TipKey(2, name="张三"), None, None, T0 + timedelta(hours=1)) == [1]
    assert detector.seen(TipKey(4, name="张三"), None, None, T0 + timedelta(hours=3)) == [1, 2, 3]


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(InvalidInput):
        RepeatDetector().seen(TipKey(1), None, None, datetime(2026, 11, 23, 10, 0))
