"""The Prefect flows: run through Prefect's test harness (one server for the session), task
logic through `.fn()`, against the embedded SQLite database in an isolated data folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, col, func, select

import flows  # noqa: F401 - CityLive's Prefect defaults before prefect is imported
import models
from flows import _prefect

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "examples" / "small.yaml"
EXAMPLE = ROOT / "examples" / "zhongshan-2020.yaml"

pytestmark = pytest.mark.xdist_group("prefect")


@pytest.fixture
def city(data_dir: Path, prefect_server: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated data folder with the embedded database, and no notification config."""
    monkeypatch.delenv("CITYLIVE_NOTIFY_CONFIG", raising=False)
    return data_dir


def _db() -> Session:
    from citylive.db import get_engine, init_db

    return Session(init_db(get_engine()), expire_on_commit=False)


def _count(table: type, *where: object) -> int:
    with _db() as db:
        return int(db.exec(select(func.count()).select_from(table).where(*where)).one())  # type: ignore[arg-type]


def _variant(tmp_path: Path, **festival: object) -> Path:
    """examples/small.yaml with some festival settings changed."""
    doc = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    doc["festival"].update(festival)
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "small-variant.yaml"
    out.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return out


# --- configuration -------------------------------------------------------------------------


def test_configure_sets_defaults_only_where_unset(tmp_path: Path) -> None:
    env = {"CITYLIVE_DATA_DIR": str(tmp_path), "PREFECT_SERVER_ANALYTICS_ENABLED": "true"}
    applied = _prefect.configure(env)
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "true"  # the user's choice stands
    assert "PREFECT_SERVER_ANALYTICS_ENABLED" not in applied
    assert env["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE"] == "1000"
    assert env["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL"] == "1"
    assert env["DO_NOT_TRACK"] == "1"


def test_prefect_home_is_under_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYLIVE_DATA_DIR", str(tmp_path / "d"))
    env: dict[str, str] = {}
    _prefect.configure(env)
    assert env["PREFECT_HOME"] == str((tmp_path / "d" / "prefect").resolve())
    assert (tmp_path / "d" / "prefect").is_dir()


# --- plan-festival -------------------------------------------------------------------------


def test_plan_festival_small_releases_version_1_with_artifacts(city: Path) -> None:
    from prefect.client.orchestration import get_client

    from flows.plan_festival import plan_festival

    result = plan_festival(festival_file=str(SMALL), time_limit=3)
    assert result["festival_id"] == "small-2020"
    assert result["version"] == 1
    assert result["sessions"] == 10
    assert result["requested"] == 10
    assert _count(models.ScheduleVersion, models.ScheduleVersion.festival_id == "small-2020") == 1
    queued = _count(
        models.Notification, col(models.Notification.key).like("assignment:small-2020:v1:%")
    )
    assert queued == result["queued"] > 0
    with get_client(sync_client=True) as client:
        table = client.read_latest_artifacts()  # one per key, newest
    keys = {a.key for a in table}
    assert {"small-2020-schedule", "small-2020-summary"} <= keys


def test_plan_festival_rerun_keeps_one_version_and_no_new_messages(city: Path) -> None:
    from flows.plan_festival import plan_festival

    first = plan_festival(festival_file=str(SMALL), time_limit=3)
    messages = _count(models.Notification)
    again = plan_festival(festival_file=str(SMALL), time_limit=3)
    assert again["version"] == first["version"] == 1
    assert _count(models.ScheduleVersion) == 1
    assert _count(models.Notification) == messages


def test_plan_festival_killed_run_rerun_leaves_one_version(city: Path, prefect_server: str) -> None:
    """A run killed mid-solve (SIGKILL, no clean-up at all), then the same run again."""
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "CITYLIVE_DATA_DIR": str(city)}
    code = (
        "import flows\n"
        "from flows.plan_festival import plan_festival\n"
        f"plan_festival(festival_file={str(EXAMPLE)!r}, time_limit=60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            if _count(models.Festival, models.Festival.id == "zs-2020-06"):
                break
            time.sleep(0.2)
        time.sleep(2.0)  # inside the solver (60 s limit) by now
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _count(models.ScheduleVersion) == 0

    from flows.plan_festival import plan_festival

    result = plan_festival(festival_file=str(EXAMPLE), time_limit=3)
    assert result["version"] == 1
    assert _count(models.ScheduleVersion) == 1
    assert _count(models.Notification) == result["queued"] > 0


def test_check_capacity_fn_reports_shortages_in_words(city: Path) -> None:
    from flows.plan_festival import check_capacity, import_festival_from_file

    fid = import_festival_from_file.fn(str(EXAMPLE))
    report = check_capacity.fn(fid)
    assert report["requested"] == 532
    assert (
        "town fusha: 7 sessions asked, at most 6 can be placed (products (min_skus_per_session))"
        in report["shortages"]
    )


# --- replan-festival -----------------------------------------------------------------------


def _decide(session_id: str, action: str, town: str) -> None:
    from citylive.actions.decisions import decide
    from citylive.scope import Actor
    from models.enums import Role

    with _db() as db:
        festival_id = session_id.rsplit("-s", 1)[0]
        result = decide(
            db=db,
            session_id=session_id,
            action=action,
            actor=Actor(
                role=Role.coordinator,
                name=f"coordinator:{town}",
                town=town,
                festival_id=festival_id,
            ),
            reason="test" if action == "decline" else None,
        )
        assert result.outcome == "applied"
        db.commit()


def _sessions(fid: str) -> list[models.FestivalSession]:
    with _db() as db:
        S = models.FestivalSession
        return list(db.exec(select(S).where(S.festival_id == fid).order_by(S.id)))


def test_replan_after_a_decline_releases_one_version_per_burst(city: Path) -> None:
    from flows.plan_festival import plan_festival
    from flows.replan_festival import replan_festival

    plan_festival(festival_file=str(SMALL), time_limit=3)
    s = _sessions("small-2020")
    _decide(s[0].id, "decline", s[0].town)
    _decide(s[1].id, "decline", s[1].town)
    first = replan_festival("small-2020", time_limit=3)
    assert first["declines"] == 2
    assert first["replanned"] is True
    assert first["version"] == 2
    notices = _count(
        models.Notification, col(models.Notification.key).like("change:small-2020:v2:%")
    )
    assert notices == first["queued"] > 0
    second = replan_festival("small-2020", time_limit=3)  # the same burst, triggered again
    assert second["replanned"] is False
    assert second["version"] == 2
    assert _count(models.ScheduleVersion) == 2


def test_replan_at_deadline_silence_decline_declines_unanswered(city: Path, tmp_path: Path) -> None:
    from flows.plan_festival import plan_festival
    from flows.replan_festival import replan_festival

    # flows read festival files inside their data folder only (citylive/paths.py)
    plan_festival(festival_file=str(_variant(city, silence="decline")), time_limit=3)
    s = _sessions("small-2020")
    _decide(s[0].id, "confirm", s[0].town)
    result = replan_festival("small-2020", at_deadline=True, time_limit=3)
    assert result["silence"] == {
        "rule": "decline",
        "unanswered": len(s) - 1,
        "declined": len(s) - 1,
    }
    expired = _count(models.Decision, models.Decision.action == "expire")
    assert expired == len(s) - 1
    assert result["version"] == 2
    confirmed = [x for x in _sessions("small-2020") if x.id == s[0].id]
    assert confirmed[0].status == "confirmed"


def test_settle_silence_fn_remind_keeps_sessions_planned(city: Path) -> None:
    from flows.plan_festival import plan_festival
    from flows.replan_festival import settle_silence

    plan_festival(festival_file=str(SMALL), time_limit=3)
    n = len(_sessions("small-2020"))
    assert settle_silence.fn("small-2020") == {"rule": "remind", "unanswered": n, "declined": 0}
    assert {x.status for x in _sessions("small-2020")} == {"proposed"}


# --- dispatch-notifications and reminders ----------------------------------------------------


def test_dispatch_failing_target_is_reported_and_the_run_completes(
    city: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citylive import config
    from demo.receivers import Sinks, free_port
    from flows.dispatch_notifications import dispatch_notifications
    from flows.plan_festival import plan_festival

    sinks = Sinks().start()
    dead = free_port()  # nothing listens there
    city.mkdir(parents=True, exist_ok=True)
    cfg = city / "notify.yaml"
    cfg.write_text(
        "urls:\n"
        f'  - "json://127.0.0.1:{sinks.http_port}/guzhen":\n'
        "      - tag: coordinator:guzhen\n"
        f'  - "json://127.0.0.1:{dead}/everyone":\n'
        "      - tag: default\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CITYLIVE_NOTIFY_CONFIG", str(cfg))
    config.get_settings.cache_clear()
    try:
        plan_festival(festival_file=str(SMALL), time_limit=3)
        queued = _count(models.Notification)
        state = dispatch_notifications(festival_id="small-2020", return_state=True)
    finally:
        sinks.stop()
    assert state.is_completed()
    result = state.result()
    assert result["sent"] == 1
    assert len(sinks.received) == 1
    assert result["undelivered"] == queued - 1
    assert "coordinator:guzhen" not in {p["recipient"] for p in result["problems"]}
    assert all(p["reason"] for p in result["problems"])


def test_send_reminders_never_twice(city: Path) -> None:
    from flows.plan_festival import plan_festival
    from flows.send_reminders import send_reminders

    plan_festival(festival_file=str(SMALL), time_limit=3)
    first_start = min(s.start for s in _sessions("small-2020"))
    from datetime import timedelta

    now = first_start - timedelta(minutes=30)
    one = send_reminders(festival_id="small-2020", now=now)
    assert one["queued"]["small-2020"] > 0
    reminders = _count(models.Notification, models.Notification.event == "reminder")
    assert reminders == one["queued"]["small-2020"]
    two = send_reminders(festival_id="small-2020", now=now)
    assert two["queued"] == {"small-2020": 0}
    assert _count(models.Notification, models.Notification.event == "reminder") == reminders


# --- collect-sales -------------------------------------------------------------------------


def _write_exports(fid: str, out_dir: Path) -> list[Path]:
    from citylive.db import get_engine, init_db
    from demo.exports import write_exports

    return write_exports(engine=init_db(get_engine()), festival_id=fid, out_dir=out_dir, seed=7)


def test_collect_sales_ingests_the_inbox_once_and_refuses_a_bad_file(city: Path) -> None:
    from flows.collect_sales import collect_sales, inbox_of
    from flows.plan_festival import plan_festival

    plan_festival(festival_file=str(SMALL), time_limit=3)
    inbox = inbox_of("small-2020")
    files = _write_exports("small-2020", inbox)
    (inbox / "notes.csv").write_text("this is not an export\n", encoding="utf-8")
    result = collect_sales("small-2020")
    assert result["read"] == result["stored"] + result["quarantined"] + result["duplicates"]
    assert result["stored"] == _count(models.OrderLine)
    assert result["duplicates"] > 0  # one export was downloaded twice
    assert result["refused"] == 1
    assert (inbox / "refused" / "notes.csv").exists()
    assert (inbox / "refused" / "notes.csv.why.txt").read_text(encoding="utf-8").strip()
    assert sorted(p.name for p in (inbox / "done").iterdir()) == sorted(f.name for f in files)
    assert result["figures_sessions"] == len(_sessions("small-2020"))
    again = collect_sales("small-2020")
    assert (again["read"], again["files"]) == (0, [])


def test_collect_sales_flow_refuses_paths_outside_and_logs_no_content(
    city: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from citylive.actions.festivals import import_festival_file
    from citylive.db import db_scope
    from citylive.festival import load_festival
    from citylive.scope import SYSTEM
    from flows.collect_sales import collect_sales

    with db_scope() as db:
        import_festival_file(db=db, actor=SYSTEM, festival=load_festival(SMALL))
    secret = tmp_path / "organiser-token.txt"
    secret.write_text("clv_the-organisers-token-never-logged\n", encoding="utf-8")
    result = collect_sales("small-2020", paths=["/etc/passwd", str(secret)])
    assert (result["read"], result["refused"]) == (0, 2)
    assert [f["file"] for f in result["files"]] == ["/etc/passwd", str(secret)]
    assert result["files"][0]["refused"].startswith(
        "file '/etc/passwd' is outside the folders flows may read (CITYLIVE_DATA_DIR "
    )
    shown = "".join(capfd.readouterr()) + repr(result)
    assert "clv_the-organisers-token" not in shown and "root:x:0" not in shown
