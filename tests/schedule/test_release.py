"""Releasing schedule versions into the database (SQLite and PostgreSQL), and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

import models
from citylive.actions.planning import plan_and_release
from citylive.cli import app
from citylive.festival import load_festival
from citylive.festival.storage import import_festival
from citylive.notify import enqueue_schedule_release
from citylive.planner import plan
from citylive.schedule import ScheduleDocument, ScheduleRefused, current_document, store_schedule
from citylive.schedule.checker import check_schedule

SMALL = Path(__file__).resolve().parents[2] / "examples" / "small.yaml"


@pytest.fixture(scope="module")
def planned() -> ScheduleDocument:
    return plan(load_festival(SMALL), time_limit=5.0, workers=1)


def _sessions(db: Session) -> dict[str, models.FestivalSession]:
    return {s.id: s for s in db.exec(select(models.FestivalSession))}


def test_store_schedule_first_version_rows_changes_and_outbox(
    db: Session, planned: ScheduleDocument
) -> None:
    festival = load_festival(SMALL)
    import_festival(db, festival)
    release = store_schedule(db=db, festival=festival, document=planned)
    enqueue_schedule_release(db=db, festival_id=festival.id, version=release.version)
    db.commit()
    back = current_document(db=db, festival_id="small-2020").dump()
    planned = planned.dump()
    assert (release.version, release.document["version"]) == (1, 1)
    ids = sorted(s["id"] for s in planned["sessions"])
    assert release.changes == {"new": ids, "moved": [], "cancelled": [], "unchanged": []}
    assert release.stats["placed"] == 10
    assert db.get(models.Festival, "small-2020").current_version == 1
    rows = _sessions(db)
    assert sorted(rows) == ids
    first = next(s for s in planned["sessions"] if s["id"] == ids[0])
    row = rows[ids[0]]
    assert (row.enterprise, row.streamer, row.venue, row.studio, row.status, row.version) == (
        first["enterprise"], first["streamer"], first["venue"], first["studio"], "proposed", 1,
    )  # fmt: skip
    assert row.town == festival.enterprise[first["enterprise"]].town
    placed = {r.enterprise_id: r.placed for r in db.exec(select(models.SessionRequest))}
    assert placed == {"huayi": 2, "juhao": 2, "henglan-light": 2, "ruiang": 3, "shaxi-denim": 1}
    queued = {n.recipient for n in db.exec(select(models.Notification)) if n.event == "assignment"}
    expected = set()
    for s in planned["sessions"]:
        expected |= {
            f"coordinator:{festival.enterprise[s['enterprise']].town}",
            f"enterprise:{s['enterprise']}",
            f"streamer:{s['streamer']}",
        }
    assert expected <= queued
    # the stored schedule reads back as it was written
    keys = ("id", "enterprise", "streamer", "platform", "venue", "studio", "start", "end", "status")
    assert sorted(
        ({k: s[k] for k in keys} for s in back["sessions"]), key=lambda s: s["id"]
    ) == sorted(({k: s[k] for k in keys} for s in planned["sessions"]), key=lambda s: s["id"])


def test_plan_and_release_keeps_decisions_and_records_changes(
    db: Session, planned: ScheduleDocument
) -> None:
    festival = load_festival(SMALL)
    import_festival(db, festival)
    store_schedule(db=db, festival=festival, document=planned)
    db.commit()
    ids = sorted(s.id for s in planned.sessions)
    rows = _sessions(db)
    confirmed, declined = ids[1], ids[0]
    rows[confirmed].status = "confirmed"
    rows[declined].status = "declined"
    db.add(rows[confirmed])
    db.add(rows[declined])
    db.commit()
    before = {k: (r.streamer, r.venue, r.studio, r.start) for k, r in _sessions(db).items()}

    release = plan_and_release(
        db=db, festival_id="small-2020", time_limit=5.0, workers=1, reason="declined"
    )
    assert release.version == 2
    assert release.document.reason == "declined"
    after = _sessions(db)
    assert after[confirmed].status == "confirmed"
    assert (
        after[confirmed].streamer,
        after[confirmed].venue,
        after[confirmed].studio,
        after[confirmed].start,
    ) == before[confirmed]
    assert after[declined].status == "declined"
    changes = db.exec(
        select(models.ScheduleVersion.changes).where(models.ScheduleVersion.version == 2)
    ).one()
    assert confirmed in changes["unchanged"]
    assert declined not in changes["new"] + changes["moved"] + changes["unchanged"]
    # the declined enterprise got its session again, with a new id
    assert len(changes["new"]) == 1 and changes["cancelled"] == []
    assert release.changes == {k: len(v) for k, v in changes.items()}
    current = current_document(db=db, festival_id="small-2020")
    assert check_schedule(festival, current) == []
    assert db.get(models.Festival, "small-2020").current_version == 2


def test_store_schedule_refuses_to_move_a_confirmed_session(
    db: Session, planned: ScheduleDocument
) -> None:
    festival = load_festival(SMALL)
    import_festival(db, festival)
    store_schedule(db=db, festival=festival, document=planned)
    sid = planned.sessions[0].id
    row = db.get(models.FestivalSession, sid)
    row.status = "confirmed"
    db.add(row)
    db.flush()
    moved = planned.model_copy(deep=True)
    moved.sessions[0].studio = 2 if moved.sessions[0].studio == 1 else 1
    with pytest.raises(
        ScheduleRefused, match=f"session {sid} is confirmed; this schedule would move it"
    ):
        store_schedule(db=db, festival=festival, document=moved)


# ------------------------------------------------------------------ CLI
def test_cli_plan_and_check_file(tmp_path: Path, data_dir: Path) -> None:
    out = tmp_path / "schedule.json"
    runner = CliRunner()
    res = runner.invoke(
        app, ["plan", str(SMALL), "--out", str(out), "--time-limit", "5", "--workers", "1"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert (doc["format"], doc["stats"]["placed"]) == ("citylive/schedule@1", 10)
    res = runner.invoke(app, ["check", str(SMALL), str(out)])
    assert res.exit_code == 0
    assert "ok: 10 sessions keep every hard rule (H1-H8) and the themed blocks" in res.output

    # break H1: two sessions in one studio-slot
    a, b = doc["sessions"][0], doc["sessions"][1]
    for k in ("venue", "studio", "start", "end"):
        b[k] = a[k]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    res = runner.invoke(app, ["check", str(SMALL), str(bad)])
    assert res.exit_code == 1
    assert any(
        line.startswith(f"H1 studio: {a['venue']} studio {a['studio']} at ")
        for line in res.output.splitlines()
    )


def test_cli_plan_refuses_bad_time_limit_and_foreign_previous(
    tmp_path: Path, data_dir: Path
) -> None:
    runner = CliRunner()
    res = runner.invoke(
        app, ["plan", str(SMALL), "--out", str(tmp_path / "x.json"), "--time-limit", "0"]
    )
    assert res.exit_code == 1
    assert "--time-limit must be more than 0 seconds, got 0" in res.output
    foreign = tmp_path / "foreign.json"
    foreign.write_text(
        json.dumps(
            {
                "format": "citylive/schedule@1",
                "festival": "zs-2020-06",
                "version": 1,
                "sessions": [],
            }
        ),
        encoding="utf-8",
    )
    res = runner.invoke(
        app, ["plan", str(SMALL), "--out", str(tmp_path / "x.json"), "--previous", str(foreign)]
    )
    assert res.exit_code == 1
    assert "belongs to festival 'zs-2020-06', not 'small-2020'" in res.output
    assert not (tmp_path / "x.json").exists()


def test_cli_plan_stored_festival_releases_versions(tmp_path: Path, data_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(SMALL)]).exit_code == 0
    out = tmp_path / "v1.json"
    res = runner.invoke(
        app,
        [
            "plan",
            "--festival",
            "small-2020",
            "--out",
            str(out),
            "--time-limit",
            "3",
            "--workers",
            "1",
        ],
    )
    assert res.exit_code == 0, res.output
    assert (
        "released version 1 of small-2020: new 10, moved 0, cancelled 0, unchanged 0" in res.output
    )
    res = runner.invoke(
        app,
        [
            "plan",
            "--festival",
            "small-2020",
            "--out",
            str(tmp_path / "v2.json"),
            "--time-limit",
            "3",
            "--workers",
            "1",
        ],
    )
    assert res.exit_code == 0, res.output
    assert (
        "released version 2 of small-2020: new 0, moved 0, cancelled 0, unchanged 10" in res.output
    )
    res = runner.invoke(app, ["plan", "--festival", "nope", "--out", str(tmp_path / "v3.json")])
    assert res.exit_code == 1
    assert "no festival 'nope' is stored" in res.output
