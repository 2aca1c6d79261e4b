"""Festival files within limits: sizes, nesting, YAML aliases, numeric ranges, and one
property: whatever `validate` accepts, `import` and `plan` accept."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from citylive.festival import FestivalFileError, load_festival_text, parse_festival
from citylive.festival.storage import import_festival
from citylive.planner import plan

SMALL = Path(__file__).resolve().parents[2] / "examples" / "small.yaml"


def _small() -> dict[str, Any]:
    return json.loads(json.dumps(yaml.safe_load(SMALL.read_text(encoding="utf-8")), default=str))


def _errors(text: str) -> list[str]:
    with pytest.raises(FestivalFileError) as info:
        load_festival_text(text, "f.yaml")
    return info.value.errors


def test_alias_bomb_is_refused_before_it_expands() -> None:
    lines = ['format: "citylive/festival@1"', "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 7):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("festival: *a6")
    text = "\n".join(lines) + "\n"
    assert len(text) < 3000
    assert _errors(text) == [
        "f.yaml: its anchors and aliases expand to more than 2,000,000 values; write the file "
        "without deeply repeated aliases"
    ]


def test_recursive_alias_is_refused() -> None:
    assert _errors("a: &a [1, *a]\n") == [
        "f.yaml: an alias refers to the mapping or list it stands in; remove the loop"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 5000 + "]" * 5000, "f.yaml: nested deeper than 32 levels; a festival file is a few"),
        ("a:" + " [" * 5000 + " ]" * 5000, "f.yaml: 1:"),
    ],
    ids=["json", "yaml"],
)
def test_deep_nesting_is_refused(text: str, message: str) -> None:
    errors = _errors(text)
    assert len(errors) == 1 and errors[0].startswith(message)
    assert "nested deeper than 32 levels" in errors[0]


def test_file_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from citylive import config

    monkeypatch.setenv("CITYLIVE_FESTIVAL_MAX_BYTES", "1000")
    config.get_settings.cache_clear()
    try:
        assert _errors("x: " + "a" * 2000) == [
            "f.yaml: larger than 1,000 bytes (CITYLIVE_FESTIVAL_MAX_BYTES); split the festival "
            "or raise the limit"
        ]
    finally:
        config.get_settings.cache_clear()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            ("venues", 0, "studios"),
            1e20,
            "venues[0].studios: the number is far too large for this field",
        ),
        (
            ("enterprises", 0, "expected_gmv"),
            1e20,
            "enterprises[0].expected_gmv: the number is far too large for this field",
        ),
        (
            ("festival", "confirmation_deadline"),
            "0001-01-01T00:00:00+08:00",
            "festival.confirmation_deadline: 0001-01-01T00:00:00+08:00 is outside the years "
            "1970-2200",
        ),
        (
            ("festival", "days", 0),
            "0001-01-01",
            "festival.days[0]: 0001-01-01 is outside the years 1970-2200",
        ),
        (("weights", "value"), 1e30, "weights.value: the number is far too large for this field"),
        (
            ("enterprises", 0, "expected_gmv"),
            2 * 10**9,
            "enterprises[0].expected_gmv: Input should be less than or equal to 1000000000",
        ),
        (
            ("venues", 0, "studios"),
            501,
            "venues[0].studios: Input should be less than or equal to 500",
        ),
        (
            ("weights", "value"),
            10**9,
            "weights.value: 1000000000 is more than 1,000,000; weights are relative",
        ),
        (
            ("enterprises", 0, "sessions"),
            10**6,
            "enterprises[0].sessions: Input should be less than or equal to 1000",
        ),
        (
            ("enterprises", 0, "id"),
            "x" * 65,
            "enterprises[0].id: String should have at most 64 characters",
        ),
        (
            ("fairness", "min_share"),
            1.5,
            "fairness.min_share: Input should be less than or equal to 1",
        ),
    ],
)
def test_numbers_out_of_range_are_refused_with_their_place(
    path: tuple[Any, ...], value: Any, message: str
) -> None:
    doc = _small()
    target: Any = doc
    for key in path[:-1]:
        target = target.setdefault(key, {}) if isinstance(key, str) else target[key]
    target[path[-1]] = value
    with pytest.raises(FestivalFileError) as info:
        parse_festival(doc, "f.json")
    assert message in info.value.errors, info.value.errors


def test_themes_are_checked_against_the_festival() -> None:
    doc = _small()
    doc["themes"] = [
        {
            "id": "meiju",
            "name": "中山美居",
            "industries": ["lighting", "aparel"],
            "slots": ["2020-06-06T19:00", "2020-06-09T19:00", "2020-06-07"],
            "studios": 9,
        }
    ]
    with pytest.raises(FestivalFileError) as info:
        parse_festival(doc, "f.json")
    assert info.value.errors == [
        "themes[0].industries[1]: unknown industry 'aparel' (did you mean 'apparel'?)",
        "themes[0].slots[1]: 2020-06-09 is not a festival day (2020-06-06, 2020-06-07)",
        "themes[0].slots[2]: '2020-06-07' is a whole day; a block names slot starts "
        "(YYYY-MM-DDTHH:MM)",
        "themes[0].studios: 9 studios, but the main venue 'main' has 2",
        "themes: the blocks at 2020-06-06T19:00 take 9 studios; the main venue 'main' has 2",
    ]


# --- whatever validate accepts, import and plan accept ---------------------------------------

SMALL_INTS = st.integers(min_value=0, max_value=10**12)


def _mutations() -> st.SearchStrategy[list[tuple[str, int, str, Any]]]:
    """Changes to the small festival's numbers and names, most out of any sane range."""
    field = st.sampled_from(
        [
            ("enterprises", "sessions"),
            ("enterprises", "skus"),
            ("enterprises", "expected_gmv"),
            ("enterprises", "name"),
            ("streamers", "max_sessions_per_day"),
            ("streamers", "name"),
            ("venues", "studios"),
            ("venues", "name"),
        ]
    )
    value = st.one_of(
        SMALL_INTS,
        st.integers(min_value=-5, max_value=60),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=80),
    )
    return st.lists(
        st.tuples(field, st.integers(min_value=0, max_value=5), value).map(
            lambda t: (t[0][0], t[1], t[0][1], t[2])
        ),
        max_size=4,
    )


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(changes=_mutations(), weight=st.one_of(st.none(), SMALL_INTS))
def test_what_validate_accepts_import_and_plan_accept(
    engine: Engine, changes: list[tuple[str, int, str, Any]], weight: int | None
) -> None:
    doc = copy.deepcopy(_small())
    for section, index, key, value in changes:
        items = doc[section]
        items[index % len(items)][key] = value
    if weight is not None:
        doc["weights"] = {"value": weight}
    try:
        festival = parse_festival(doc, "f.json")
    except FestivalFileError:
        return  # refused with its places: nothing to import
    with Session(engine) as db:
        import_festival(db, festival)
        db.rollback()  # each example starts from an empty database
    schedule = plan(festival, time_limit=1.0, workers=1)
    assert schedule.festival == festival.id
