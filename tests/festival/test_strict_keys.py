"""Unknown keys are errors with a suggestion; places carry the item's id and the file's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from citylive.festival import FestivalFileError, load_festival, load_festival_text

SMALL = Path(__file__).resolve().parents[2] / "examples" / "small.yaml"


def _errors_of(text: str) -> list[str]:
    with pytest.raises(FestivalFileError) as info:
        load_festival_text(text, "f.yaml")
    return info.value.errors


def test_misspelt_festival_keys_refused_with_suggestions() -> None:
    text = SMALL.read_text(encoding="utf-8").replace(
        "  min_skus_per_session: 5\n",
        "  min_skus_per_session: 5\n  silance: decline\n  confirmaton_deadline: 2020-06-05T18:00\n",
    )
    text += "fairnes: {min_share: 0.5}\n"
    assert _errors_of(text) == [
        "festival.silance (line 15): unknown field (did you mean 'silence'?)",
        "festival.confirmaton_deadline (line 16): unknown field "
        "(did you mean 'confirmation_deadline'?)",
        "fairnes (line 50): unknown field (did you mean 'fairness'?)",
    ]


def test_unknown_key_in_an_item_names_id_and_line() -> None:
    text = SMALL.read_text(encoding="utf-8").replace(
        "platforms: [pdd], expected_gmv: 60000}", "platforms: [pdd], expected_gmv: 60000, skuz: 3}"
    )
    assert _errors_of(text) == [
        "enterprises[1] (id: juhao, line 32).skuz: unknown field (did you mean 'skus'?)"
    ]


def test_unknown_key_in_a_nested_setting_suggests() -> None:
    text = SMALL.read_text(encoding="utf-8") + "fairness: {min_shar: 0.5}\n"
    assert _errors_of(text) == [
        "fairness.min_shar (line 48): unknown field (did you mean 'min_share'?)"
    ]


def test_unknown_key_far_from_every_field_lists_the_known_ones() -> None:
    text = SMALL.read_text(encoding="utf-8") + "sales_windows: {zzz: 1}\n"
    assert _errors_of(text) == [
        "sales_windows.zzz (line 48): unknown field; known: before_days, after_days"
    ]


def test_cross_reference_error_names_id_and_line_of_the_field() -> None:
    text = SMALL.read_text(encoding="utf-8").replace(
        "platforms: [pdd, douyin], expected_gmv: 120000",
        "platforms: [pdd, douyn], expected_gmv: 120000",
    )
    assert _errors_of(text) == [
        "enterprises[2] (id: henglan-light, line 34).platforms[1]: unknown platform 'douyn' "
        "(did you mean 'douyin'?)"
    ]


def test_json_file_places_carry_lines(tmp_path: Path) -> None:
    import json

    import yaml

    data = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    data["festival"]["days"] = ["2020-06-06", "2020-06-07"]
    data["streamers"][1]["town"] = "guzen"
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    with pytest.raises(FestivalFileError) as info:
        load_festival(path)
    line = next(
        i + 1
        for i, text in enumerate(path.read_text(encoding="utf-8").splitlines())
        if '"guzen"' in text
    )
    assert info.value.errors == [
        f"streamers[1] (id: li-ming, line {line}).town: unknown town 'guzen' "
        "(did you mean 'guzhen'?)"
    ]


def test_spec_optional_keys_accepted() -> None:
    text = (
        SMALL.read_text(encoding="utf-8").replace(
            "max_sessions_per_day: 1, employer: huayi}",
            "max_sessions_per_day: 1, employer: huayi, role: town-leader}",
        )
        + "districts:\n  - {id: west, name: 西区, towns: [guzhen, henglan]}\n"
    )
    f = load_festival_text(text, "f.yaml")
    assert f.streamer["huayi-host"].role == "town-leader"
    assert [d.id for d in f.doc.districts] == ["west"]
