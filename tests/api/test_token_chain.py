"""A feed token belongs to its maker: it expires no later than the maker, dies when the maker
is revoked or expires, and the token list shows who made what."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select
from support.factories import FID, Api, bearer
from typer.testing import CliRunner

import models
from citylive.token_store import create_token, hash_token
from models._types import utcnow

API = "/api/v1"


def _coordinator(api: Api, days: int) -> tuple[int, str]:
    with Session(api.engine, expire_on_commit=False) as db:
        row, value = create_token(
            db=db, role="coordinator", town="guzhen", festival_id=FID, days=days, name="一天"
        )
        db.commit()
        assert row.id is not None
        return row.id, value


def _feed(api: Api, maker: str) -> tuple[models.ApiToken, str]:
    made = api.client.post(f"{API}/tokens/feed", headers=bearer(maker))
    assert made.status_code == 201, made.text
    value = made.json()["token"]
    with Session(api.engine, expire_on_commit=False) as db:
        row = db.exec(
            select(models.ApiToken).where(models.ApiToken.token_hash == hash_token(value))
        ).one()
    return row, value


def _opens(api: Api, feed: str) -> tuple[int, int]:
    ics = api.client.get(f"{API}/festivals/{FID}/calendar.ics?token={feed}")
    xlsx = api.client.get(f"{API}/festivals/{FID}/schedule.xlsx?token={feed}")
    return ics.status_code, xlsx.status_code


def test_feed_token_expires_no_later_than_its_maker(api: Api) -> None:
    maker_id, maker = _coordinator(api, days=1)
    feed, _ = _feed(api, maker)
    with Session(api.engine) as db:
        parent = db.get(models.ApiToken, maker_id)
        assert parent is not None and parent.expires_at is not None
        assert feed.parent_id == maker_id
        assert feed.expires_at == parent.expires_at
        assert feed.expires_at is not None and feed.expires_at < utcnow() + timedelta(days=1)


def test_feed_token_dies_when_its_maker_is_revoked(api: Api) -> None:
    maker_id, maker = _coordinator(api, days=1)
    _, feed = _feed(api, maker)
    assert _opens(api, feed) == (200, 200)
    with Session(api.engine) as db:
        parent = db.get(models.ApiToken, maker_id)
        assert parent is not None
        parent.revoked_at = utcnow()  # revoked behind the API's back: the chain is checked
        db.add(parent)
        db.commit()
    assert _opens(api, feed) == (401, 401)


def test_feed_token_dies_when_its_maker_expires(api: Api) -> None:
    maker_id, maker = _coordinator(api, days=30)
    feed_row, feed = _feed(api, maker)
    with Session(api.engine) as db:
        parent = db.get(models.ApiToken, maker_id)
        child = db.get(models.ApiToken, feed_row.id)
        assert parent is not None and child is not None
        parent.expires_at = utcnow() - timedelta(seconds=1)
        child.expires_at = utcnow() + timedelta(days=30)  # as a token made before the rule
        db.add(parent)
        db.add(child)
        db.commit()
    assert _opens(api, feed) == (401, 401)


def test_token_revoke_revokes_the_tokens_it_made(api: Api) -> None:
    from citylive.actions.tokens import revoke, tokens
    from citylive.scope import SYSTEM

    maker_id, maker = _coordinator(api, days=1)
    feed_row, feed = _feed(api, maker)
    with Session(api.engine, expire_on_commit=False) as db:
        tree = [(depth, row.id) for depth, row in tokens(db=db, actor=SYSTEM)]
        assert tree.index((1, feed_row.id)) == tree.index((0, maker_id)) + 1
        revoke(db=db, actor=SYSTEM, token_id=maker_id)
    with Session(api.engine) as db:
        child = db.get(models.ApiToken, feed_row.id)
        assert child is not None and child.revoked_at is not None
    assert _opens(api, feed) == (401, 401)


def test_token_list_shows_each_maker_above_the_tokens_it_made(data_dir: Path) -> None:
    from support.factories import seed_small

    from citylive.cli import app as cli_app
    from citylive.db import db_scope

    with db_scope() as db:
        seed_small(db)
        maker, _ = create_token(db=db, role="coordinator", town="guzhen", name="王芳")
        other, _ = create_token(db=db, role="organiser", name="市商务局")
        feed, _ = create_token(db=db, role="coordinator", town="guzhen", kind="feed",
                               name="王芳 feed", parent=maker)  # fmt: skip
        ids = (maker.id, other.id, feed.id)
    listed = CliRunner().invoke(cli_app, ["token", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    rows = [ln.replace("│", " ").split() for ln in listed.stdout.splitlines()]
    body = [r for r in rows if r and r[0].isdigit()]
    assert [r[0] for r in body] == [str(ids[0]), str(ids[2]), str(ids[1])]
    assert body[1][1:5] == [str(ids[0]), "feed", "└", "王芳"]
