"""Importing a festival again keeps the stored data consistent with the file: a session follows
its enterprise's town, and what the file drops is refused with the list, or removed on
purpose (`--force`) so that every summary still adds up."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from support.factories import FID, SMALL, seed_small, sid
from support.sales_factories import build_sales
from typer.testing import CliRunner

import models
from citylive.actions.decisions import decide
from citylive.actions.festivals import import_festival_file
from citylive.errors import NotFound
from citylive.festival import parse_festival
from citylive.festival.storage import ImportRefused, import_festival
from citylive.sales.figures import summary
from citylive.scope import Actor
from models.enums import Role


def _doc() -> dict:
    return json.loads(json.dumps(yaml.safe_load(SMALL.read_text(encoding="utf-8")), default=str))


def _coordinator(town: str) -> Actor:
    return Actor(role=Role.coordinator, name=f"coordinator:{town}", town=town, festival_id=FID)


def test_sessions_follow_their_enterprise_to_its_new_town(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as db:
        seed_small(db)
    doc = _doc()
    for e in doc["enterprises"]:
        if e["id"] == "juhao":  # guzhen -> henglan
            e["town"] = "henglan"
    with Session(engine) as db:
        import_festival(db, parse_festival(doc))
        db.commit()
    with Session(engine, expire_on_commit=False) as db:
        moved = db.get(models.FestivalSession, sid(3))
        assert moved is not None and (moved.town, moved.row_version) == ("henglan", 2)
        assert db.get(models.FestivalSession, sid(1)).town == "guzhen"  # type: ignore[union-attr]
        # the old town's coordinator no longer decides it; the new town's does
        with pytest.raises(NotFound):
            decide(db=db, actor=_coordinator("guzhen"), session_id=sid(3), action="confirm")
        db.rollback()
        done = decide(db=db, actor=_coordinator("henglan"), session_id=sid(3), action="confirm")
        assert done.outcome == "applied"


def test_dropping_an_enterprise_with_a_declined_session_and_orders_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    build_sales(engine, tmp_path)  # ruiang: a confirmed and a declined session, one order
    doc = _doc()
    doc["enterprises"] = [e for e in doc["enterprises"] if e["id"] != "ruiang"]
    doc["streamers"] = [s for s in doc["streamers"] if s.get("employer") != "ruiang"]
    with Session(engine) as db, pytest.raises(ImportRefused) as info:
        import_festival(db, parse_festival(doc))
    assert str(info.value) == (
        "festival 'small-2020' is already stored, and this file drops what its schedule or "
        "sales depend on (1):\n"
        "  enterprise 'ruiang' is no longer in the file, but has 2 session(s) and 1 order "
        "line(s)\n"
        "Keep those entries in the file, or import again with --force to remove them (their "
        "sessions and order lines are deleted, live sessions of dropped streamers and venues "
        "cancelled)."
    )
    with Session(engine) as db:
        assert db.get(models.Enterprise, (FID, "ruiang")) is not None


def test_forced_import_removes_them_and_the_summaries_still_agree(
    engine: Engine, tmp_path: Path
) -> None:
    build_sales(engine, tmp_path)
    doc = _doc()
    doc["enterprises"] = [e for e in doc["enterprises"] if e["id"] != "ruiang"]
    with Session(engine) as db:
        import_festival_file(db=db, actor=Actor.system(), festival=parse_festival(doc), force=True)
    with Session(engine) as db:
        enterprises = {r.enterprise for r in db.exec(select(models.FestivalSession))}
        assert "ruiang" not in enterprises
        lines = db.exec(select(models.OrderLine.enterprise_id)).all()
        assert "ruiang" not in lines and len(lines) == 8
        totals = {
            by: sum(r["gmv_fen"] for r in summary(db=db, festival_id=FID, by=by))
            for by in ("enterprise", "town", "industry", "platform")
        }
    assert totals == {"enterprise": 99800, "town": 99800, "industry": 99800, "platform": 99800}


def test_dropping_a_streamer_with_a_live_session_cancels_it_only_when_forced(
    engine: Engine,
) -> None:
    with Session(engine, expire_on_commit=False) as db:
        seed_small(db)
    doc = copy.deepcopy(_doc())
    doc["streamers"] = [s for s in doc["streamers"] if s["id"] != "ren-jing"]
    with (
        Session(engine) as db,
        pytest.raises(
            ImportRefused,
            match=r"session small-2020-s00005 \(proposed\): streamer 'ren-jing' is no longer in the file",
        ),
    ):
        import_festival(db, parse_festival(doc))
    with Session(engine) as db:
        import_festival(db, parse_festival(doc), force=True)
        db.commit()
    with Session(engine) as db:
        row = db.get(models.FestivalSession, sid(5))
        assert row is not None and row.status == "cancelled"


def test_cli_import_force(data_dir: Path, tmp_path: Path) -> None:
    from citylive.cli import app
    from citylive.db import db_scope

    with db_scope() as db:
        seed_small(db)
    doc = _doc()
    doc["enterprises"] = [e for e in doc["enterprises"] if e["id"] != "juhao"]
    path = tmp_path / "smaller.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(app, ["import", str(path)])
    assert refused.exit_code == 1
    assert "enterprise 'juhao' is no longer in the file, but has 1 session(s)" in refused.output
    assert "Traceback" not in refused.output
    forced = runner.invoke(app, ["import", str(path), "--force"])
    assert forced.exit_code == 0, forced.output
    assert forced.stdout.strip().splitlines()[-1] == FID
    with db_scope() as db:
        assert db.get(models.FestivalSession, sid(3)) is None
