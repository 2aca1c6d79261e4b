"""Storing festivals, the schema, the generator and the foundation commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

import models
from bench.generate import generate
from citylive.cli import app
from citylive.festival import load_festival, parse_festival
from citylive.festival.storage import ImportRefused, import_festival, load_stored_festival
from citylive.planner.capacity import capacity_report

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(sa.text(f"select count(*) from {t}")).scalar_one()
            for t in ("festival", "town", "venue", "enterprise", "streamer", "session_request")
        }


def test_import_festival_stores_every_entity(engine: Engine, small_path: Path) -> None:
    with Session(engine) as db:
        result = import_festival(db, load_festival(small_path))
        db.commit()
    assert (result.festival_id, result.created, result.changed) == ("small-2020", True, True)
    assert _counts(engine) == {
        "festival": 1,
        "town": 4,
        "venue": 3,
        "enterprise": 5,
        "streamer": 4,
        "session_request": 5,
    }
    with Session(engine) as db:
        henglan = db.get(models.Town, ("small-2020", "henglan"))
        assert henglan is not None and henglan.neighbours == ["guzhen", "shaxi"]
        stored = load_stored_festival(db, "small-2020")
        assert stored.enterprise["huayi"].shops == {"douyin": "华艺灯饰旗舰店"}


def test_import_festival_twice_updates_in_place(engine: Engine, small_path: Path) -> None:
    festival = load_festival(small_path)
    with Session(engine) as db:
        import_festival(db, festival)
        db.commit()
    with Session(engine) as db:
        again = import_festival(db, festival)
        db.commit()
    assert (again.created, again.changed) == (False, False)
    doc = festival.doc.model_dump(mode="json")
    doc["enterprises"][0]["sessions"] = 1
    doc["festival"]["name"] = "改名的直播节"
    with Session(engine) as db:
        changed = import_festival(db, parse_festival(doc))
        db.commit()
    assert (changed.created, changed.changed) == (False, True)
    assert _counts(engine)["festival"] == 1
    assert _counts(engine)["enterprise"] == 5
    with Session(engine) as db:
        row = db.get(models.Festival, "small-2020")
        req = db.get(models.SessionRequest, ("small-2020", "huayi"))
        assert row is not None and row.name == "改名的直播节"
        assert req is not None and req.requested == 1


def test_import_festival_refuses_to_orphan_sessions(engine: Engine, small_path: Path) -> None:
    festival = load_festival(small_path)
    with Session(engine) as db:
        import_festival(db, festival)
        start = festival.slot_start(next(iter(festival.slot_refs())))
        db.add(
            models.FestivalSession(
                id="small-2020-s00001",
                festival_id="small-2020",
                enterprise="juhao",
                streamer="li-ming",
                platform="pdd",
                venue="guzhen-venue",
                studio=1,
                start=start,
                end=start,
                town="guzhen",
                industry="lighting",
                day=start.date(),
                slot=0,
                version=1,
            )
        )
        db.commit()
    doc = festival.doc.model_dump(mode="json")
    doc["enterprises"] = [e for e in doc["enterprises"] if e["id"] != "juhao"]
    with Session(engine) as db, pytest.raises(ImportRefused) as info:
        import_festival(db, parse_festival(doc))
    assert (
        "enterprise 'juhao' is no longer in the file, but has 1 session(s) and 0 order line(s)"
        in str(info.value)
    )
    assert _counts(engine)["enterprise"] == 5


def test_schema_matches_models(engine: Engine) -> None:
    """The single migration creates exactly what models/ describes."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == []


def test_generator_deterministic_and_valid() -> None:
    a = generate("city")
    b = generate("city")
    assert a == b
    f = parse_festival(a)
    assert (len(f.towns), len(f.enterprises), len(f.streamers), len(f.days)) == (23, 2000, 400, 3)
    assert generate("city", seed=7) != a


def test_generator_xl_size() -> None:
    f = parse_festival(generate("xl"))
    assert (len(f.enterprises), len(f.streamers), len(f.days)) == (5000, 1000, 5)


def test_example_file_matches_generator(tmp_path: Path, example_path: Path) -> None:
    out = tmp_path / "zs.yaml"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), "example", "--out", str(out)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert out.read_text(encoding="utf-8") == example_path.read_text(encoding="utf-8")


def test_capacity_small_festival_exact(small_path: Path) -> None:
    report = capacity_report(load_festival(small_path))
    assert (report.studio_slots, report.requested) == (2 * 8 + 2 * 8 + 2 * 7, 10)
    assert [(x.key, x.requested, x.supply) for x in report.by_town] == [
        ("guzhen", 4, 4),
        ("henglan", 2, 2),
        ("shaxi", 4, 4),
    ]
    assert [(x.key, x.requested, x.supply) for x in report.by_industry] == [
        ("lighting", 6, 10),
        ("apparel", 4, 6),
    ]
    assert report.shortages == []


def test_capacity_products_shortage_explained(small_path: Path) -> None:
    doc = load_festival(small_path).doc.model_dump(mode="json")
    doc["enterprises"][2]["skus"] = 5  # henglan-light: one session a day, one open day
    report = capacity_report(parse_festival(doc))
    assert report.shortages == [
        "town henglan: 2 sessions asked, at most 1 can be placed (products (min_skus_per_session))"
    ]


def test_capacity_zero_studios_explained(small_path: Path) -> None:
    doc = load_festival(small_path).doc.model_dump(mode="json")
    all_slots = [f"{d}" for d in doc["festival"]["days"]]
    for v in doc["venues"]:
        v["closed"] = all_slots
    report = capacity_report(parse_festival(doc))
    assert report.studio_slots == 0
    assert report.shortages[:2] == [
        "the festival has no open studio-slot at all: every venue is closed",
        "10 sessions asked, 0 studio-slots in all venues",
    ]


# ---------------------------------------------------------------- the commands
def test_cli_validate_valid_file_prints_capacity(small_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(small_path)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    assert "small-2020" in result.output
    assert "no shortages" in result.output


def test_cli_validate_bad_file_lists_errors_exit_1(tmp_path: Path, small_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        small_path.read_text(encoding="utf-8").replace(
            "town: guzhen, industry", "town: guzhenn, industry", 1
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert (
        "enterprises[0] (id: huayi, line 29).town: unknown town 'guzhenn' (did you mean 'guzhen'?)"
        in result.output
    )
    assert "nothing was written" in result.output


def test_cli_import_bad_file_writes_nothing(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "citylive/festival@1"}), encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 1
    assert "festival: missing; this field is required" in result.output
    assert not (data_dir / "citylive.db").exists()


def test_cli_import_prints_id_and_lists(data_dir: Path, small_path: Path) -> None:
    result = runner.invoke(app, ["import", str(small_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "small-2020"
    assert (data_dir / "citylive.db").exists()
    listing = runner.invoke(app, ["festivals"])
    assert listing.exit_code == 0
    assert "small-2020" in listing.output


def test_cli_import_updates_on_postgresql(pg_engine: Engine, small_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from citylive import config

    monkeypatch.setenv("CITYLIVE_DATABASE_URL", pg_engine.url.render_as_string(hide_password=False))
    config.get_settings.cache_clear()
    try:
        for _ in range(2):
            result = runner.invoke(app, ["import", str(small_path)])
            assert result.exit_code == 0, result.output
    finally:
        config.get_settings.cache_clear()
    with Session(pg_engine) as db:
        assert len(db.exec(select(models.Festival)).all()) == 1
        assert len(db.exec(select(models.Enterprise)).all()) == 5
