"""The festival workbook: a template to fill in, read like a YAML file (places as cells),
and a festival written out and read back equal."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from citylive.cli import app
from citylive.festival import FestivalFileError, load_festival

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def _export(source: Path, out: Path) -> Path:
    result = runner.invoke(app, ["workbook", "export", "--from", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("name", ["full.yaml", "small.yaml", "zhongshan-2020.yaml"])
def test_workbook_round_trip_gives_the_same_festival(name: str, tmp_path: Path) -> None:
    festival = load_festival(EXAMPLES / name)
    back = load_festival(_export(EXAMPLES / name, tmp_path / "f.xlsx"))
    assert back.doc.model_dump() == festival.doc.model_dump()


def test_workbook_errors_name_the_cell(tmp_path: Path) -> None:
    path = _export(EXAMPLES / "small.yaml", tmp_path / "f.xlsx")
    wb = load_workbook(path)
    wb["企业"]["C3"] = "guzhn"
    wb["企业"]["G4"] = "pdd, douyn"
    wb["主播"]["A6"] = "extra-host"  # a row with an id and nothing else
    wb.save(path)
    with pytest.raises(FestivalFileError) as info:
        load_festival(path)
    assert info.value.errors[:2] == [
        "streamers[4] (id: extra-host, 主播!A6).name: missing; this field is required",
        "streamers[4] (id: extra-host, 主播!A6).town: missing; this field is required",
    ]
    assert (
        "enterprises[1] (id: juhao, 企业!C3).town: unknown town 'guzhn' (did you mean "
        "'guzhen'?)" in info.value.errors
    )
    assert (
        "enterprises[2] (id: henglan-light, 企业!G4).platforms[1]: unknown platform "
        "'douyn' (did you mean 'douyin'?)" in info.value.errors
    )


def test_workbook_new_is_a_template_with_notes_and_dropdowns(tmp_path: Path) -> None:
    out = tmp_path / "new.xlsx"
    result = runner.invoke(app, ["workbook", "new", "--out", str(out)])
    assert result.exit_code == 0 and result.output.strip() == f"wrote {out}"
    wb = load_workbook(out)
    assert wb.sheetnames == [
        "活动",
        "镇街",
        "片区",
        "行业",
        "会场",
        "企业",
        "主播",
        "主题",
        "联合店铺",
    ]
    enterprises = wb["企业"]
    assert [c.value for c in enterprises[1]][:4] == [
        "编号 id", "名称 name", "所在镇街 town", "行业 industry",
    ]  # fmt: skip
    assert enterprises["E1"].comment.text == "整个活动期间申请的场次数"
    lists = {str(dv.sqref): dv.formula1 for dv in enterprises.data_validations.dataValidation}
    assert lists["C2:C5000"] == "'镇街'!$A$2:$A$5000"
    assert lists["D2:D5000"] == "'行业'!$A$2:$A$5000"
    assert wb["活动"]["A2"].value == "活动编号 festival.id"
    # an empty template is refused with what to fill in, not an exception
    check = runner.invoke(app, ["validate", str(out)])
    assert check.exit_code == 1 and "festival: missing; this field is required" in check.output


def test_workbook_imports_like_a_yaml_file(data_dir: Path, tmp_path: Path) -> None:
    path = _export(EXAMPLES / "small.yaml", tmp_path / "f.xlsx")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "small-2020"


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "f.xlsx"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(FestivalFileError) as info:
        load_festival(bad)
    assert info.value.errors == [
        f"{bad}: not a readable .xlsx workbook; save it from Excel as .xlsx (`citylive workbook "
        "new` writes one to fill in)"
    ]
