"""The dispatcher against real receivers on loopback: webhook, SMTP, DingTalk/WeCom stand-ins,
flaky and down receivers, two dispatchers at once, and a dispatcher killed mid-run."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from support.notify_factories import SMALL_V1, outbox_rows, release, store_festival

import models
from citylive.notify import enqueue_daily_digest, enqueue_schedule_release, enqueue_summary
from citylive.notify.dispatch import dispatch
from citylive.notify.routing import load_routes_text
from citylive.notify.settings import NotifySettings
from citylive.notify.vendors import split_utf8
from demo.receivers import Mailbox, Receiver

ROOT = Path(__file__).resolve().parents[2]


def fast(**kw: object) -> NotifySettings:
    values: dict[str, object] = dict(
        backoff_seconds=0.05,
        backoff_factor=2.0,
        backoff_max_seconds=0.4,
        jitter=0.25,
        claim_seconds=30,
        batch_size=50,
        workers=8,
        request_timeout=2,
        max_attempts=10,
        rates={"dingtalk": 0, "wecombot": 0},
    )
    values.update(kw)
    return NotifySettings(**values)  # type: ignore[arg-type]


def statuses(engine: Engine) -> dict[str, str]:
    with Session(engine) as db:
        return {n.key: str(n.status) for n in db.exec(select(models.Notification))}


def all_rows(engine: Engine) -> list[models.Notification]:
    with Session(engine) as db:
        return list(db.exec(select(models.Notification).order_by(col(models.Notification.id))))


@pytest.fixture
def hook() -> Receiver:
    r = Receiver().start()
    yield r
    r.stop()


def test_dispatch_webhook_sends_each_row_once_with_idempotency_key(
    engine: Engine, hook: Receiver
) -> None:
    with Session(engine) as db:
        f = store_festival(db)
        release(db, f, SMALL_V1)
        enqueue_schedule_release(db=db, festival_id=f.id, version=1)
        db.commit()
    s = fast()
    routes = load_routes_text(
        f"urls:\n  - json://127.0.0.1:{hook.port}/hook:\n      tag: default\n", settings=s
    )
    result = dispatch(engine=engine, routes=routes, settings=s)
    assert (result.sent, result.failed, result.pending, result.undeliverable) == (12, 0, 0, 0)
    assert result.line() == "sent=12 failed=0 pending=0"
    assert set(statuses(engine).values()) == {"sent"}
    assert sorted(hook.keys) == sorted(statuses(engine))
    assert set(hook.keys.values()) == {1}
    shaxi = next(
        r for r in hook.accepted if r.headers["X-Idempotency-Key"].endswith("coordinator:shaxi")
    )
    payload = shaxi.json()
    assert payload["title"] == "【小型直播节】直播场次安排（3 场），请确认"
    assert payload["message"].startswith("沙溪镇，您好：")
    # a second run finds nothing due and sends nothing
    again = dispatch(engine=engine, routes=routes, settings=s)
    assert (again.sent, again.failed, again.pending) == (0, 0, 0)
    assert len(hook.accepted) == 12


def test_dispatch_without_config_marks_rows_undeliverable(engine: Engine) -> None:
    with Session(engine) as db:
        outbox_rows(db, 3)
    result = dispatch(engine=engine, routes=None, settings=fast())
    assert (result.sent, result.failed, result.pending, result.undeliverable) == (0, 0, 0, 3)
    rows = all_rows(engine)
    assert {r.status for r in rows} == {"undeliverable"}
    assert rows[0].last_error is not None and rows[0].last_error.startswith(
        "no notification config: CITYLIVE_NOTIFY_CONFIG is not set"
    )
    assert {r.attempts for r in rows} == {0}


def test_dispatch_recipient_without_route_is_undeliverable(engine: Engine, hook: Receiver) -> None:
    with Session(engine) as db:
        outbox_rows(db, 2, prefix="a", town="guzhen")
        outbox_rows(db, 1, prefix="b", town="shaxi")
    s = fast()
    routes = load_routes_text(
        f"urls:\n  - json://127.0.0.1:{hook.port}/g:\n      tag: town:guzhen\n", settings=s
    )
    result = dispatch(engine=engine, routes=routes, settings=s)
    assert (result.sent, result.undeliverable) == (2, 1)
    bad = next(r for r in all_rows(engine) if r.status == "undeliverable")
    assert bad.recipient == "enterprise:b00000"
    assert bad.last_error == (
        "no channel in <config> for this recipient "
        "(tags tried: 'enterprise:b00000', 'town:shaxi', 'default')"
    )
    assert {r.path for r in hook.accepted} == {"/g"}


def test_dispatch_fans_out_one_row_per_channel(engine: Engine) -> None:
    a, b = Receiver().start(), Receiver().start()
    try:
        with Session(engine) as db:
            outbox_rows(db, 2, recipient_kind="coordinator")
        s = fast()
        routes = load_routes_text(
            f"urls:\n  - json://127.0.0.1:{a.port}/a:\n      tag: default\n"
            f"  - json://127.0.0.1:{b.port}/b:\n      tag: default\n",
            settings=s,
        )
        result = dispatch(engine=engine, routes=routes, settings=s)
        assert result.sent == 4
        rows = all_rows(engine)
        assert len(rows) == 4 and {r.status for r in rows} == {"sent"}
        assert {r.target for r in rows} == {
            f"json://127.0.0.1:{a.port}/a",
            f"json://127.0.0.1:{b.port}/b",
        }
        assert len(a.accepted) == 2 and len(b.accepted) == 2
    finally:
        a.stop()
        b.stop()


def test_dispatch_copy_for_a_removed_channel_is_not_rerouted(
    engine: Engine, hook: Receiver
) -> None:
    with Session(engine) as db:
        db.add(
            models.Notification(
                event="assignment",
                recipient="coordinator:guzhen",
                subject="s",
                key="assignment:f:v1:coordinator:guzhen~0123456789",
                target="json://gone/x",
            )
        )
        db.commit()
    s = fast()
    routes = load_routes_text(
        f"urls:\n  - json://127.0.0.1:{hook.port}/h:\n      tag: default\n", settings=s
    )
    result = dispatch(engine=engine, routes=routes, settings=s)
    assert (result.sent, result.undeliverable) == (0, 1)
    (row,) = all_rows(engine)
    assert row.last_error == "channel json://gone/x is no longer in <config>"
    assert hook.accepted == []


def test_dispatch_mail_chinese_subject_body_and_attached_report(
    engine: Engine, tmp_path: Path
) -> None:
    box = Mailbox().start()
    try:
        with Session(engine) as db:
            f = store_festival(db)
            release(db, f, SMALL_V1)
            report = tmp_path / "总结报告.html"
            report.write_text("<h1>小型直播节 总结</h1>", encoding="utf-8")
            enqueue_summary(
                db=db, festival_id=f.id, report_path=str(report), figures={"GMV（元）": "12345.60"}
            )
            db.commit()
        s = fast()
        routes = load_routes_text(
            "urls:\n"
            f'  - "mailto://127.0.0.1:{box.port}?from=citylive@example.com&to=org@example.com&mode=insecure":\n'
            "      tag: organiser\n",
            settings=s,
        )
        result = dispatch(engine=engine, routes=routes, settings=s)
        assert (result.sent, result.undeliverable) == (1, 3)  # coordinators have no channel here
        ((rcpts, msg),) = box.messages
        assert rcpts == ["org@example.com"]
        assert msg["subject"] == "【小型直播节】活动总结"
        assert msg["X-Idempotency-Key"] == "summary:small-2020:organiser"
        html = msg.get_body(("html",)).get_content()
        assert "小型直播节 已结束，主要数据如下：" in html and "12345.60" in html
        (attachment,) = [p for p in msg.walk() if p.get_content_disposition() == "attachment"]
        assert attachment.get_filename() == "总结报告.html"
        assert attachment.get_payload(decode=True) == "<h1>小型直播节 总结</h1>".encode()
    finally:
        box.stop()


@pytest.mark.parametrize("scheme,errcode", [("dingtalk", 310000), ("wecombot", 45009)])
def test_vendor_bot_refusal_with_http_200_marks_row_failed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, scheme: str, errcode: int
) -> None:
    vendor = Receiver(errcode=errcode, errmsg="keywords not in content").start()
    try:
        monkeypatch.setenv("CITYLIVE_NOTIFY_DINGTALK_API", vendor.url)
        monkeypatch.setenv("CITYLIVE_NOTIFY_WECOM_API", vendor.url)
        with Session(engine) as db:
            outbox_rows(db, 1)
        s = fast(max_attempts=2)
        routes = load_routes_text(
            f"urls:\n  - {scheme}://abc123token:\n      tag: default\n", settings=s
        )
        result = dispatch(engine=engine, routes=routes, settings=s, wait_for_retries=3)
        assert (result.sent, result.failed, result.pending) == (0, 1, 0)
        (row,) = all_rows(engine)
        assert row.status == "failed"
        assert row.attempts == 2
        assert (
            row.last_error is not None
            and f"errcode={errcode} errmsg=keywords not in content" in row.last_error
        )
        assert vendor.refused == 2
    finally:
        vendor.stop()


def test_vendor_bots_post_to_the_configured_api(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = Receiver().start()
    try:
        monkeypatch.setenv("CITYLIVE_NOTIFY_DINGTALK_API", vendor.url)
        monkeypatch.setenv("CITYLIVE_NOTIFY_WECOM_API", vendor.url)
        with Session(engine) as db:
            outbox_rows(db, 1, prefix="d", town="guzhen")
            outbox_rows(db, 1, prefix="w", town="shaxi")
        s = fast()
        routes = load_routes_text(
            "urls:\n  - dingtalk://dtoken1:\n      tag: town:guzhen\n"
            "  - wecombot://wkey1:\n      tag: town:shaxi\n",
            settings=s,
        )
        assert dispatch(engine=engine, routes=routes, settings=s).sent == 2
        by_path = {r.path: r for r in vendor.accepted}
        ding, wecom = by_path["/robot/send"], by_path["/cgi-bin/webhook/send"]
        assert ding.query["access_token"] == ["dtoken1"]
        assert ding.json()["text"]["content"] == "消息 d0\r\n正文 d0"
        assert wecom.query["key"] == ["wkey1"]
        # WeCom bots take no title; Apprise puts it on the first line
        assert wecom.json() == {"msgtype": "text", "text": {"content": "消息 w0\r\n正文 w0"}}
    finally:
        vendor.stop()


def test_wecom_bot_splits_long_chinese_text_by_bytes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = Receiver().start()
    try:
        monkeypatch.setenv("CITYLIVE_NOTIFY_WECOM_API", vendor.url)
        # 100 lines of 19 characters, 49 bytes: 1,900 characters pass a character count of
        # 2,048, yet the 4,900 bytes need three messages of at most 41 lines (2,009 bytes).
        body = "".join(f"第{i:03d}行：华艺灯饰在古镇分会场直播\n" for i in range(100))
        assert (len(body), len(body.encode())) == (1900, 4900)
        with Session(engine) as db:
            db.add(
                models.Notification(
                    event="assignment",
                    recipient="coordinator:guzhen",
                    subject="",
                    key="k1",
                    body_text=body,
                )
            )
            db.commit()
        s = fast()
        routes = load_routes_text("urls:\n  - wecombot://wkey1:\n      tag: default\n", settings=s)
        assert dispatch(engine=engine, routes=routes, settings=s).sent == 1
        parts = [r.json()["text"]["content"] for r in vendor.accepted]
        # Apprise strips the body's trailing newline before the bot splits it
        assert [len(p.encode("utf-8")) for p in parts] == [2009, 2009, 881]
        assert all(p.endswith("\n") for p in parts[:-1])
        assert "".join(parts) == body.rstrip("\n")
    finally:
        vendor.stop()


def test_split_utf8_never_cuts_a_character() -> None:
    text = "中" * 700 + "x"  # 2,101 bytes, no newline
    parts = split_utf8(text, 2048)
    assert [len(p.encode()) for p in parts] == [2046, 55]
    assert "".join(parts) == text
    assert split_utf8("", 2048) == [""]


def test_dispatch_paces_a_rate_limited_bot(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    vendor = Receiver().start()
    try:
        monkeypatch.setenv("CITYLIVE_NOTIFY_DINGTALK_API", vendor.url)
        with Session(engine) as db:
            outbox_rows(db, 5)
        s = fast(rates={"dingtalk": 600})  # one every 0.1 s
        routes = load_routes_text(
            "urls:\n  - dingtalk://dtoken1:\n      tag: default\n", settings=s
        )
        t0 = time.monotonic()
        assert dispatch(engine=engine, routes=routes, settings=s).sent == 5
        assert time.monotonic() - t0 >= 0.4
        # the 5th send is scheduled 0.4 s after the 1st (unpaced, all 5 take ~20 ms); arrival
        # times at the receiver jitter on a busy machine
        assert vendor.times[-1] - vendor.times[0] >= 0.25
    finally:
        vendor.stop()


def test_flaky_and_down_receivers_deliver_every_message_exactly_once(engine: Engine) -> None:
    flaky = Receiver(fail_rate=0.3, seed=11).start()
    late = Receiver()
    late.start(delay=1.0)  # connection refused for the first second
    try:
        with Session(engine) as db:
            a = outbox_rows(db, 60, prefix="a", town="ta")
            b = outbox_rows(db, 20, prefix="b", town="tb")
        s = fast()
        routes = load_routes_text(
            f"urls:\n  - json://127.0.0.1:{flaky.port}/f:\n      tag: town:ta\n"
            f"  - json://127.0.0.1:{late.port}/l:\n      tag: town:tb\n",
            settings=s,
        )
        result = dispatch(engine=engine, routes=routes, settings=s, wait_for_retries=20)
        assert (result.sent, result.failed, result.pending) == (80, 0, 0)
        assert result.retried > 20  # both the injected failures and the refused connections
        assert flaky.failed > 10
        assert sorted(flaky.keys) == sorted(a) and set(flaky.keys.values()) == {1}
        assert sorted(late.keys) == sorted(b) and set(late.keys.values()) == {1}
        assert flaky.duplicates == late.duplicates == 0
        assert set(statuses(engine).values()) == {"sent"}
    finally:
        flaky.stop()
        late.stop()


def test_failures_after_last_retry_are_visible(engine: Engine) -> None:
    down = Receiver(fail_rate=1.0).start()
    try:
        with Session(engine) as db:
            f = store_festival(db)
            release(db, f, SMALL_V1)
            enqueue_schedule_release(db=db, festival_id=f.id, version=1)
            db.commit()
        s = fast(max_attempts=3)
        routes = load_routes_text(
            f"urls:\n  - json://127.0.0.1:{down.port}/x:\n      tag: default\n", settings=s
        )
        result = dispatch(engine=engine, routes=routes, settings=s, wait_for_retries=10)
        assert (result.sent, result.failed, result.pending) == (0, 12, 0)
        assert down.failed == 36
        rows = all_rows(engine)
        assert {r.attempts for r in rows} == {3}
        assert all(r.last_error and r.last_error.startswith("after 3 attempts: ") for r in rows)
        assert "500" in (rows[0].last_error or "")
        with Session(engine) as db:
            enqueue_daily_digest(db=db, festival_id="small-2020", day=f.days[0])
            db.commit()
            digest = db.exec(
                select(models.Notification).where(models.Notification.event == "digest")
            ).one()
        assert "发送失败的通知：12 条；无法投递（未配置渠道）：0 条" in digest.body_text
    finally:
        down.stop()


def test_secrets_stay_out_of_logs_and_database(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    vendor = Receiver(errcode=0).start()
    try:
        token = "s3cr3tT0ken4242"
        monkeypatch.setenv("CITYLIVE_SECRET_DINGTALK_GUZHEN", token)
        monkeypatch.setenv("CITYLIVE_NOTIFY_DINGTALK_API", vendor.url)
        caplog.set_level(logging.DEBUG, logger="apprise")
        caplog.set_level(logging.DEBUG, logger="citylive")
        with Session(engine) as db:
            outbox_rows(db, 2)
        s = fast()
        routes = load_routes_text(
            "urls:\n  - dingtalk://{{ env.CITYLIVE_SECRET_DINGTALK_GUZHEN }}:\n      tag: default\n",
            settings=s,
        )
        assert dispatch(engine=engine, routes=routes, settings=s).sent == 2
        assert vendor.accepted[0].query["access_token"] == [token]  # the secret was used ...
        assert token not in caplog.text  # ... and never logged
        assert "Loading raw configuration" in caplog.text  # Apprise did log the config at DEBUG
        rows = all_rows(engine)
        assert all(
            token not in (r.target or "") + (r.last_error or "") + str(r.context) for r in rows
        )
        assert rows[0].target == "dingtalk://s...2//"
    finally:
        vendor.stop()


def test_two_dispatchers_at_once_never_double_send(engine: Engine, hook: Receiver) -> None:
    # PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the claim UPDATE under the writer lock
    import threading

    with Session(engine) as db:
        keys = outbox_rows(db, 300)
    s = fast(batch_size=10, workers=4)
    routes = load_routes_text(
        f"urls:\n  - json://127.0.0.1:{hook.port}/h:\n      tag: default\n", settings=s
    )
    results = {}

    def run(name: str) -> None:
        results[name] = dispatch(engine=engine, routes=routes, settings=s, worker_id=name)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["w1"].sent + results["w2"].sent == 300
    assert results["w1"].sent > 0 and results["w2"].sent > 0  # both really worked
    assert sorted(hook.keys) == sorted(keys)
    assert set(hook.keys.values()) == {1} and len(hook.accepted) == 300


def test_dispatcher_killed_mid_run_then_restarted_loses_and_doubles_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    slow = Receiver(delay=0.02).start()
    try:
        with Session(engine) as db:
            keys = outbox_rows(db, 150)
        config = tmp_path / "notify.yaml"
        config.write_text(
            f"urls:\n  - json://127.0.0.1:{slow.port}/s:\n      tag: default\n", encoding="utf-8"
        )
        env = {
            **os.environ,
            "CITYLIVE_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "CITYLIVE_NOTIFY_CONFIG": str(config),
            "CITYLIVE_NOTIFY_CLAIM_SECONDS": "2",
            "CITYLIVE_NOTIFY_WORKERS": "2",
            "CITYLIVE_NOTIFY_BATCH_SIZE": "10",
        }
        proc = subprocess.Popen(
            [sys.executable, "-c", "from citylive.cli import main; main()", "notify", "dispatch"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while len(slow.accepted) < 40 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        before = statuses(engine)
        in_flight = sum(1 for v in before.values() if v == "sending")
        assert 0 < sum(1 for v in before.values() if v == "sent") < 150
        s = fast(claim_seconds=2)
        routes = load_routes_text(config.read_text(), settings=s)
        result = dispatch(engine=engine, routes=routes, settings=s, wait_for_retries=60)
        assert result.pending == 0 and result.failed == 0
        assert set(statuses(engine).values()) == {"sent"}
        assert sorted(slow.keys) == sorted(keys)  # nothing lost
        # A row in flight at the kill may have reached the receiver before its outcome was
        # written; only those can repeat, and the receiver sees the same idempotency key.
        assert slow.duplicates <= in_flight
        assert len(slow.accepted) == 150 + slow.duplicates
    finally:
        slow.stop()


def test_dingtalk_markdown_heading_shows_the_subject_as_written(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    vendor = Receiver().start()
    try:
        monkeypatch.setenv("CITYLIVE_NOTIFY_DINGTALK_API", vendor.url)
        with Session(engine) as db:
            db.add(
                models.Notification(
                    event="receipt",
                    recipient="coordinator:guzhen",
                    subject="【**节** [x](http://evil.example)】回执",
                    key="k-md",
                    body_text="正文",
                    body_markdown="\\*\\*正文\\*\\*",
                )
            )
            db.commit()
        s = fast()
        routes = load_routes_text(
            "urls:\n  - dingtalk://dtoken1/?format=markdown:\n      tag: default\n", settings=s
        )
        assert dispatch(engine=engine, routes=routes, settings=s).sent == 1
        (sent,) = vendor.accepted
        markdown = sent.json()["markdown"]
        assert markdown["title"] == "【**节** [x](http://evil.example)】回执"
        assert markdown["text"] == (
            "# 【\\*\\*节\\*\\* \\[x\\](http://evil.example)】回执\n\\*\\*正文\\*\\*"
        )
    finally:
        vendor.stop()


def test_receiver_stats_over_http(hook: Receiver) -> None:
    import json
    import urllib.request

    for key in ("a", "b", "a"):
        request = urllib.request.Request(
            f"{hook.url}/h", data=b"{}", headers={"X-Idempotency-Key": key}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
    with urllib.request.urlopen(f"{hook.url}/stats", timeout=10) as answer:
        stats = json.loads(answer.read())
    assert stats == {"accepted": 3, "unique": 2, "repeats": 1, "failed": 0, "refused": 0}
