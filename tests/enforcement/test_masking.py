"""Masking personal data: callers' names and phones, debtors' id numbers; who sees them whole."""

from __future__ import annotations

import pytest

from enforcement.masking import (
    mask_id_no,
    mask_name,
    mask_phone,
    masked,
    masked_for,
    may_see_personal,
)
from enforcement.model import Role


@pytest.mark.parametrize(("phone", "shown"), [
    ("13812345678", "138****5678"), ("+8613812345678", "+86*******5678"),
    ("024-2345678", "024****5678"), ("23456789", "23**6789"), ("12368", "*2368"), ("1234", "****"),
    ("", ""),
])
def test_a_phone_keeps_its_start_and_last_four(phone: str, shown: str) -> None:
    assert mask_phone(phone) == shown


@pytest.mark.parametrize(("name", "shown"), [("王小明", "王*明"), ("张三", "张*"), ("欧阳丽娜", "欧**娜"),
                                             ("李", "李"), ("", "")])
def test_a_name_keeps_its_surname(name: str, shown: str) -> None:
    assert mask_name(name) == shown


@pytest.mark.parametrize(("id_no", "shown"), [
    ("210102198001011234", "210102********1234"), ("91210102MA0XXXXXXX", "912101********XXXX"),
    ("123456789", "*********"),
])
def test_an_id_number_keeps_region_and_last_four_not_the_birth_date(id_no: str, shown: str) -> None:
    assert mask_id_no(id_no) == shown
    assert "19800101" not in mask_id_no(id_no)


def test_masking_reaches_every_depth_and_is_idempotent() -> None:
    record = {"caller_name": "王小明", "caller_phone": "13812345678", "description": "13812345678",
              "debtors": [{"name": "张某某", "id_no": "210102198001011234"}],
              "nested": {"debtor_id_no": "210102198001011234", "debtor_name": "张某某"}}
    once = masked(record)
    assert once == {"caller_name": "王*明", "caller_phone": "138****5678",
                    "description": "13812345678",  # free text is the call-taker's to word
                    "debtors": [{"name": "张某某", "id_no": "210102********1234"}],
                    "nested": {"debtor_id_no": "210102********1234", "debtor_name": "张*某"}}
    assert masked(once) == once
    assert record["caller_phone"] == "13812345678"  # the original is left alone


@pytest.mark.parametrize("role", list(Role))
def test_only_those_who_act_on_a_call_see_it_whole(role: Role) -> None:
    sees = role in {Role.INTAKE, Role.DISPATCHER, Role.ADMIN}
    assert may_see_personal(role) is sees
    record = {"caller_phone": "13812345678"}
    assert (masked_for(role, record) == record) is sees
