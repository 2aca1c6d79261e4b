"""`citylive notify dispatch`, `citylive notifications [--failed]` and the organisers' API route."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from support.factories import bound_app
from support.notify_factories import SMALL_V1, outbox_rows, release, store_festival
from typer.testing import CliRunner

import models
from citylive.cli import app
from citylive.db import db_scope
from citylive.notify import enqueue_schedule_release
from demo.receivers import Receiver

runner = CliRunner()


@pytest.fixture
def queued(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The embedded default database with the small festival's 12 assignments queued."""
    monkeypatch.delenv("CITYLIVE_NOTIFY_CONFIG", raising=False)
    with db_scope() as db:
        f = store_festival(db)
        release(db, f, SMALL_V1)
        enqueue_schedule_release(db=db, festival_id=f.id, version=1)
    return data_dir


@pytest.fixture
def client(data_dir: Path) -> Iterator[TestClient]:
    """The API bound to this test's embedded database (the app otherwise keeps the engine of
    the first request it served, which may be another test's)."""
    from citylive.db import get_engine, init_db

    with bound_app(init_db(get_engine())) as app:
        yield TestClient(app)  # type: ignore[arg-type]


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_notify_dispatch_without_config_leaves_rows_undeliverable(queued: Path) -> None:
    result = runner.invoke(app, ["notify", "dispatch"])
    assert result.exit_code == 0, result.output
    assert last_line(result.output) == "sent=0 failed=0 pending=0"
    assert "undeliverable=12" in result.output
    with db_scope() as db:
        rows = db.exec(select(models.Notification)).all()
    assert {r.status for r in rows} == {"undeliverable"}
    listing = runner.invoke(app, ["notifications", "--failed"])
    assert listing.exit_code == 0
    assert last_line(listing.output) == "pending=0 sending=0 sent=0 failed=0 undeliverable=12"
    assert "CITYLIVE_NOTIFY_CONFIG" in listing.output


def test_notify_dispatch_with_config_sends_to_webhook(
    queued: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = Receiver().start()
    try:
        config = tmp_path / "notify.yaml"
        config.write_text(
            f"urls:\n  - json://127.0.0.1:{hook.port}/h:\n      tag: default\n", encoding="utf-8"
        )
        monkeypatch.setenv("CITYLIVE_NOTIFY_CONFIG", str(config))
        from citylive import config as cfg

        cfg.get_settings.cache_clear()
        result = runner.invoke(app, ["notify", "dispatch"])
        assert result.exit_code == 0, result.output
        assert last_line(result.output) == "sent=12 failed=0 pending=0"
        assert len(hook.accepted) == 12
        listing = runner.invoke(app, ["notifications"])
        assert last_line(listing.output) == "pending=0 sending=0 sent=12 failed=0 undeliverable=0"
    finally:
        hook.stop()


def test_notify_dispatch_config_missing_secret_names_line_and_variable(
    queued: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "notify.yaml"
    config.write_text(
        "version: 1\nurls:\n  - dingtalk://{{ env.CITYLIVE_SECRET_NOT_SET }}:\n      tag: default\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("CITYLIVE_SECRET_NOT_SET", raising=False)
    monkeypatch.setenv("CITYLIVE_NOTIFY_CONFIG", str(config))
    from citylive import config as cfg

    cfg.get_settings.cache_clear()
    result = runner.invoke(app, ["notify", "dispatch"])
    assert result.exit_code == 1
    assert f"{config}, line 3: environment variable CITYLIVE_SECRET_NOT_SET is not set" in " ".join(
        result.output.split()
    )
    with db_scope() as db:
        assert {r.status for r in db.exec(select(models.Notification))} == {"pending"}


def test_notifications_route_lists_failed_for_organisers_only(client: TestClient) -> None:
    from citylive.token_store import create_token

    with db_scope() as db:
        store_festival(db)
        outbox_rows(db, 3)
        first = db.exec(select(models.Notification).order_by(models.Notification.id)).first()
        assert first is not None
        first.status = "failed"  # type: ignore[assignment]
        first.last_error = "after 6 attempts: HTTP 500"
        db.add(first)
        _, organiser = create_token(db=db, role="organiser", name="organiser")
        _, coordinator = create_token(db=db, role="coordinator", town="guzhen", name="guzhen")
    everything = client.get(
        "/api/v1/notifications", headers={"Authorization": f"Bearer {organiser}"}
    )
    assert everything.status_code == 200
    assert everything.json()["count"] == 3
    failed = client.get(
        "/api/v1/notifications?failed=true", headers={"Authorization": f"Bearer {organiser}"}
    )
    body = failed.json()
    assert body["count"] == 1
    assert (body["data"][0]["status"], body["data"][0]["last_error"]) == (
        "failed",
        "after 6 attempts: HTTP 500",
    )
    assert "body_text" not in body["data"][0]
    denied = client.get("/api/v1/notifications", headers={"Authorization": f"Bearer {coordinator}"})
    assert denied.status_code == 403
    assert client.get("/api/v1/notifications").status_code == 401


def test_notifications_route_festival_token_and_bounds(client: TestClient) -> None:
    from citylive.token_store import create_token

    with db_scope() as db:
        store_festival(db)
        outbox_rows(db, 2, prefix="s", festival_id="small-2020")
        outbox_rows(db, 3, prefix="o", festival_id="other-2020")
        _, everything = create_token(db=db, role="organiser", name="city")
        _, small = create_token(db=db, role="organiser", name="small", festival_id="small-2020")

    def get(token: str, query: str = "") -> tuple[int, dict]:
        r = client.get(
            f"/api/v1/notifications{query}", headers={"Authorization": f"Bearer {token}"}
        )
        return r.status_code, r.json()

    assert get(everything)[1]["count"] == 5
    status, body = get(small)
    assert (status, body["count"]) == (200, 2)
    assert {r["festival_id"] for r in body["data"]} == {"small-2020"}
    assert get(small, "?festival=other-2020")[0] == 404
    assert get(everything, "?festival=other-2020")[1]["count"] == 3
    for query in (
        "?offset=9223372036854775808",
        "?offset=10000001",
        "?offset=-1",
        f"?limit={10**30}",
        "?limit=0",
        "?limit=1001",
        "?status=lost",
    ):
        status, body = get(everything, query)
        assert status == 422, query
        assert "SELECT" not in str(body) and "Traceback" not in str(body)


def test_notify_digest_command_queues_once_per_day(queued: Path) -> None:
    first = runner.invoke(
        app, ["notify", "digest", "--festival", "small-2020", "--day", "2020-06-06"]
    )
    assert first.exit_code == 0, first.output
    assert last_line(first.output) == "festival=small-2020 day=2020-06-06 queued=1"
    again = runner.invoke(
        app, ["notify", "digest", "--festival", "small-2020", "--day", "2020-06-06"]
    )
    assert again.output.splitlines() == [
        "the digest of 2020-06-06 was queued before; nothing new",
        "festival=small-2020 day=2020-06-06 queued=0",
    ]
    with db_scope() as db:
        digest = db.exec(
            select(models.Notification).where(models.Notification.event == "digest")
        ).one()
    assert digest.key == "digest:small-2020:2020-06-06:organiser"
    assert digest.subject == "【小型直播节】每日简报 2020-06-06"
    missing = runner.invoke(app, ["notify", "digest", "--festival", "nowhere"])
    assert missing.exit_code == 1
    assert " ".join(missing.output.split()) == "error: no festival 'nowhere'"
    bad_day = runner.invoke(app, ["notify", "digest", "--festival", "small-2020", "--day", "6/6"])
    assert bad_day.exit_code == 2


def test_notifications_command_limit_is_bounded(queued: Path) -> None:
    assert runner.invoke(app, ["notifications", "--limit", "0"]).exit_code == 2
    assert runner.invoke(app, ["notifications", "--limit", str(10**30)]).exit_code == 2
    ok = runner.invoke(app, ["notifications", "--limit", "2"])
    assert ok.exit_code == 0
    assert len([ln for ln in ok.output.splitlines() if ln.startswith("#")]) == 2
    assert last_line(ok.output) == "pending=12 sending=0 sent=0 failed=0 undeliverable=0"
