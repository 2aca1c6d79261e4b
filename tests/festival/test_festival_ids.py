"""Ids that a person would read as the same (case, width, invisible characters) are one id:
two of them in a file are an error naming both places, and an id holding an invisible or
control character is an error naming the character."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from test_festival_file import BASE, _errors


def _with_town(town_id: str) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["towns"].append({"id": town_id, "name": "again"})
    return doc


@pytest.mark.parametrize("other", ["SHAXI", "ShaXi", "ｓｈａｘｉ"])
def test_festival_ids_equal_after_folding_are_refused_naming_both(other: str) -> None:
    assert _errors(_with_town(other)) == [
        f"towns[3].id: {other!r} is the same id as 'shaxi' at towns[0] once case, width and "
        "invisible characters are set aside; give them ids that differ in letters"
    ]


@pytest.mark.parametrize(
    ("town_id", "codes"),
    [("sha\u200dxi", "U+200D"), ("shaxi\u200b", "U+200B"), ("\ufeffxi\x07an", "U+FEFF, U+0007")],
)
def test_festival_id_with_invisible_characters_is_refused(town_id: str, codes: str) -> None:
    errors = _errors(_with_town(town_id))
    assert errors[0] == (
        f"towns[3].id: {town_id!r} holds invisible or control characters ({codes}); "
        "type the id again without them"
    )


def test_festival_enterprise_ids_differing_by_case_are_refused() -> None:
    doc = copy.deepcopy(BASE)
    twin = copy.deepcopy(doc["enterprises"][0])
    twin["id"] = twin["id"].upper()
    doc["enterprises"].append(twin)
    assert _errors(doc) == [
        f"enterprises[1].id: {twin['id']!r} is the same id as "
        f"{doc['enterprises'][0]['id']!r} at enterprises[0] once case, width and invisible "
        "characters are set aside; give them ids that differ in letters"
    ]
