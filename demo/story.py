"""`citylive demo`: the whole festival on the embedded default, told as it happens.

One process: the `festival-lifecycle` flow runs in the foreground (Prefect in embedded mode);
the organiser and the town coordinators act through the real API (the FastAPI app,
in-process) as soon as the schedule is released; the platforms drop their exports into the
festival's inbox once the re-plan is out; every message goes to a local SMTP server or
webhook the demo starts.

The caller (demo/command.py) sets the environment first: see `prepare_environment`.
"""

from __future__ import annotations

import os
import random
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from citylive.money import money

EXAMPLE = Path(str(resources.files("citylive.examples") / "zhongshan-2020.yaml"))

# How the coordinators answer: the first towns (by id) answer every session through the API,
# declining their first session and about one in eight after it; the others say nothing by
# the deadline, so the festival's silence rule has work to do.
ANSWERING_TOWNS = 8
DECLINE_EVERY = 8
DECLINE_REASONS = [
    "主播档期冲突 (the streamer has another booking)",
    "企业样品未到 (samples will not arrive in time)",
    "直播间网络未验收 (the studio's network is not signed off)",
]


def prepare_environment(data_dir: Path) -> Path:
    """Point CityLive and Prefect at a fresh demo folder; returns it.

    Only the demo's own folder is reset; Prefect's database under `data_dir/prefect` is kept,
    so its migrations run once, not on every demo.
    """
    demo_dir = (data_dir / "demo").resolve()
    if demo_dir.exists():
        shutil.rmtree(demo_dir)
    demo_dir.mkdir(parents=True)
    os.environ["CITYLIVE_DATA_DIR"] = str(demo_dir)
    os.environ.pop("CITYLIVE_DATABASE_URL", None)  # the demo always uses the embedded SQLite
    os.environ["CITYLIVE_NOTIFY_CONFIG"] = str(demo_dir / "notify.yaml")
    os.environ.setdefault("PREFECT_HOME", str((data_dir / "prefect").resolve()))
    # the demo prints its own account; Prefect's per-task lines still go to its database/UI
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    return demo_dir


@dataclass
class Story:
    """What the side actors did, for the account at the end."""

    answered_towns: list[str] = field(default_factory=list)
    silent_towns: list[str] = field(default_factory=list)
    api_calls: Counter[int] = field(default_factory=Counter)  # HTTP status -> count
    confirmed: int = 0
    declined: int = 0
    exports: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # a side actor that raised
    say: Callable[[str], None] = print


def _wait_for(condition: Callable[[], bool], timeout: float, poll: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(poll)
    return False


def _current_version(festival_id: str) -> int:
    from citylive.actions.festivals import festival
    from citylive.db import db_scope
    from citylive.errors import NotFound
    from citylive.scope import SYSTEM

    with db_scope() as db:
        try:
            return festival(db=db, actor=SYSTEM, festival_id=festival_id).current_version
        except NotFound:
            return 0


def _token(role: str, festival_id: str, town: str | None = None, name: str | None = None) -> str:
    from citylive.actions.tokens import make_token
    from citylive.db import db_scope
    from citylive.scope import SYSTEM

    with db_scope() as db:
        return make_token(
            db=db, actor=SYSTEM, role=role, town=town, festival_id=festival_id, name=name
        ).token


def coordinators(festival_id: str, story: Story, seed: int = 2020) -> None:
    """Each town's coordinator, with a token of their own, answers through the API; then the
    organiser closes the round through the API."""
    import warnings

    # Starlette suggests httpx2 for its test client; the demo's in-process client is fine
    warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
    from fastapi.testclient import TestClient

    from api.main import app
    from models._types import utcnow

    if not _wait_for(lambda: _current_version(festival_id) >= 1, timeout=300):
        story.problems.append("the schedule was not released in time; nobody answered")
        return
    organiser = {"Authorization": f"Bearer {_token('organiser', festival_id, name='主办方')}"}
    rng = random.Random(seed)
    with TestClient(app) as client:
        towns: set[str] = set()
        offset = 0
        while True:  # the organiser reads who still has sessions to answer
            page = client.get(
                f"/api/v1/festivals/{festival_id}/sessions",
                params={"status": "proposed", "limit": 1000, "offset": offset},
                headers=organiser,
            )
            story.api_calls[page.status_code] += 1
            data = page.json().get("data", [])
            towns |= {s["town"] for s in data}
            offset += len(data)
            if not data or offset >= page.json().get("count", 0):
                break
        ordered = sorted(towns)
        story.answered_towns = ordered[:ANSWERING_TOWNS]
        story.silent_towns = ordered[ANSWERING_TOWNS:]
        story.say(
            f"  version 1 is out: coordinators of {len(story.answered_towns)} towns answer "
            f"through the API ({', '.join(story.answered_towns)}); "
            f"{len(story.silent_towns)} stay silent"
        )
        for town in story.answered_towns:
            auth = {"Authorization": f"Bearer {_token('coordinator', festival_id, town)}"}
            got = client.get(
                f"/api/v1/festivals/{festival_id}/sessions",
                params={"town": town, "limit": 1000},
                headers=auth,
            )
            story.api_calls[got.status_code] += 1
            for n, session in enumerate(got.json().get("data", [])):
                if n % DECLINE_EVERY == 0:
                    answer = client.post(
                        f"/api/v1/sessions/{session['id']}/decline",
                        json={"reason": rng.choice(DECLINE_REASONS)},
                        headers=auth,
                    )
                    story.declined += answer.status_code == 200
                else:
                    answer = client.post(f"/api/v1/sessions/{session['id']}/confirm", headers=auth)
                    story.confirmed += answer.status_code == 200
                story.api_calls[answer.status_code] += 1
        # the organisers close the round: the confirmation deadline is now
        closed = client.patch(
            f"/api/v1/festivals/{festival_id}",
            json={"confirmation_deadline": (utcnow() - timedelta(seconds=1)).isoformat()},
            headers=organiser,
        )
        story.api_calls[closed.status_code] += 1
        if closed.status_code != 200:
            story.problems.append(f"closing the round answered {closed.status_code}")
    story.say(
        f"  {story.confirmed} confirmed, {story.declined} declined; the organisers close the "
        "round (the confirmation deadline is now)"
    )


def platforms(festival_id: str, first_version: int, inbox: Path, story: Story) -> None:
    """Once the re-plan is out, the platforms' exports arrive in the festival's inbox."""
    if not _wait_for(lambda: _current_version(festival_id) > first_version, timeout=300):
        story.problems.append("no re-plan was released in 5 minutes; exports of version 1 follow")
    from citylive.db import get_engine

    exports = _exports_writer()
    staging = inbox.parent / f".{festival_id}-incoming"
    # a few orders per session keep the demo quick; bench/ingest.py measures the full volume
    files = exports(
        engine=get_engine(),
        festival_id=festival_id,
        out_dir=staging,
        seed=2020,
        orders_per_session=(6, 18),
    )
    inbox.mkdir(parents=True, exist_ok=True)
    figures = sorted((staging / "figures").glob("*.csv"))
    if figures:  # viewer figures and self-reported GMV, before the exports are seen
        (inbox / "figures").mkdir(parents=True, exist_ok=True)
        for f in figures:
            shutil.move(str(f), str(inbox / "figures" / f.name))
    for f in files:  # whole files only: the inbox never shows half-written exports
        story.exports.append(Path(shutil.move(str(f), str(inbox / Path(f).name))))
    story.say(f"  the re-plan is out; the platforms drop {len(files)} export files in {inbox}")


def _exports_writer() -> Callable[..., list[Path]]:
    from demo.exports import write_exports

    return write_exports


def _within_reach(festival_file: Path, data_dir: Path) -> Path:
    """The festival file where the flow may read it: as it is, or copied into the data
    folder (flows read only inside their own folders, citylive/paths.py)."""
    import shutil

    from citylive.paths import PathRefused, confined

    try:
        return confined(festival_file, what="festival_file")
    except PathRefused:
        copy = data_dir / "festivals" / Path(festival_file).name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(festival_file, copy)
        return copy


def run(
    *, festival_file: Path = EXAMPLE, time_limit: float = 8.0, say: Callable[[str], None] = print
) -> dict[str, Any]:
    """Run the demo (after `prepare_environment`); returns the lifecycle's result and the story."""
    from citylive.config import get_settings
    from citylive.festival import load_festival
    from demo.receivers import Sinks
    from flows import _prefect
    from flows.lifecycle import festival_lifecycle

    started = time.monotonic()
    settings = get_settings()
    festival = load_festival(festival_file)
    festival_file = _within_reach(festival_file, settings.data_dir)
    sinks = Sinks().start()
    sinks.write_config(settings.data_dir / "notify.yaml")
    story = Story(say=say)
    inbox = settings.data_dir / "inbox" / festival.id
    say(
        f"Festival: {festival.name} ({festival.id}), {len(festival.towns)} towns, "
        f"{len(festival.enterprises)} enterprises, {len(festival.streamers)} streamers, "
        f"{len(festival.days)} days"
    )
    say(
        f"Messages go to a local SMTP server (127.0.0.1:{sinks.smtp_port}) and webhook "
        f"(127.0.0.1:{sinks.http_port}); nothing leaves this machine."
    )
    say("Running the festival-lifecycle flow (Prefect, embedded) ...")
    actors = [
        threading.Thread(
            target=_guarded, args=(coordinators, story, festival.id, story), daemon=True
        ),
        threading.Thread(
            target=_guarded, args=(platforms, story, festival.id, 1, inbox, story), daemon=True
        ),
    ]
    for t in actors:
        t.start()
    try:
        state = festival_lifecycle(
            festival_file=str(festival_file),
            time_limit=time_limit,
            decision_window=600.0,
            sales_window=600.0,
            return_state=True,
        )
        result = state.result()
        for t in actors:
            t.join(timeout=30)
        flow_run_id = str(state.state_details.flow_run_id)
        recorded, finished = _prefect.wait_until_recorded([flow_run_id])
    finally:
        sinks.stop()
    return {
        "result": result,
        "story": story,
        "sinks": sinks,
        "prefect": {"flow_run_id": flow_run_id, "task_runs": recorded, "finished": finished},
        "seconds": time.monotonic() - started,
    }


def _guarded(target: Callable[..., None], story: Story, *args: Any) -> None:
    try:
        target(*args)
    except Exception as exc:  # noqa: BLE001 - a side actor's failure is told, not raised
        story.problems.append(f"{target.__name__}: {exc.__class__.__name__}: {exc}")
        story.failed.append(target.__name__)


def account(outcome: dict[str, Any]) -> list[str]:
    """The short, readable account printed at the end."""
    r = outcome["result"]
    story: Story = outcome["story"]
    sinks = outcome["sinks"]
    plan, replan, sales, summary = r["plan"], r["replan"], r["sales"], r["summary"]
    answers = r["answers"]["counts"]
    by_title = Counter(x.channel for x in sinks.received)
    totals = summary["figures"]["totals"]
    first, second = r["first_dispatch"], r["second_dispatch"]
    lines = [
        "",
        "What happened",
        f"  Planned     version {plan['version']}: {plan['sessions']} of {plan['requested']} "
        f"requested sessions in {plan['venues']} venues; {plan['queued']} assignment messages queued.",
        f"  Told        {first['sent']} messages sent ({first['failed']} failed).",
        f"  Answered    {len(story.answered_towns)} town coordinators answered through the API: "
        f"{story.confirmed} confirmed, {story.declined} declined; "
        f"{len(story.silent_towns)} towns stayed silent ({', '.join(story.silent_towns)}).",
        f"  Deadline    silence rule '{replan['silence'].get('rule', '-')}': "
        f"{replan['silence'].get('unanswered', 0)} sessions unanswered, "
        f"{replan['silence'].get('declined', 0)} declined for silence.",
        f"  Re-planned  version {replan['version']} answers {replan['declines']} declines; "
        f"{replan.get('queued', 0)} change notices queued, only to people whose sessions changed.",
        f"  Told again  {second['sent']} messages sent ({second['failed']} failed). "
        f"Status now: {_status_line(answers, replan)}.",
        f"  Delivered   {len(sinks.received)} messages in all: {by_title.get('mail', 0)} by mail "
        f"(organiser), {by_title.get('webhook', 0)} by webhook (coordinators, enterprises, streamers).",
        f"  Sales       {len(sales['files'])} export files: read={sales['read']} stored={sales['stored']} "
        f"quarantined={sales['quarantined']} duplicates={sales['duplicates']}.",
        f"  Figures     GMV {money(totals.get('gmv'), plain=True)} yuan, net "
        f"{money(totals.get('net_gmv'), plain=True)} yuan, {totals.get('orders', 0):,} orders, "
        f"{totals.get('buyers', 0):,} buyers.",
        f"  Summaries   {summary['queued']} queued and sent to the organiser and coordinators.",
        f"  Prefect     {outcome['prefect']['task_runs']} task runs recorded, "
        f"{outcome['prefect']['finished']} finished (flow run {outcome['prefect']['flow_run_id']}).",
    ]
    for p in story.problems:
        lines.append(f"  Note        {p}")
    lines += ["", f"Report: {summary['report']}", f"Done in {outcome['seconds']:.0f} s."]
    return lines


def _status_line(answers: dict[str, int], replan: dict[str, Any]) -> str:
    counts = replan.get("by_status") or answers
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
