"""Tokens: made once, stored as hashes, scoped to a town, revocable; the token CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlmodel import Session, select
from support.factories import seed_small
from typer.testing import CliRunner

import models
from citylive.cli import app as cli_app
from citylive.token_store import TokenError, create_token, hash_token, revoke_token, verify_token
from models.enums import Role


def test_create_token_stores_only_the_hash(db: Session) -> None:
    seed_small(db)
    row, value = create_token(db=db, role="coordinator", town="guzhen", name="王芳")
    db.commit()
    stored = db.exec(select(models.ApiToken)).one()
    assert stored.token_hash == hashlib.sha256(value.encode()).hexdigest()
    assert value not in (stored.token_hash, stored.prefix, stored.name)
    assert value.startswith(stored.prefix) and len(stored.prefix) == 10
    assert (stored.role, stored.town, stored.name) == ("coordinator", "guzhen", "王芳")
    assert len(value) >= 40


def test_verify_token_returns_the_principal(db: Session) -> None:
    seed_small(db)
    row, value = create_token(db=db, role="coordinator", town="shaxi")
    p = verify_token(db=db, token=value)
    assert p is not None
    assert (p.role, p.town, p.token_id, p.name) == (
        Role.coordinator,
        "shaxi",
        row.id,
        "coordinator:shaxi",
    )
    assert verify_token(db=db, token=value + "x") is None
    assert verify_token(db=db, token="") is None


def test_revoked_token_no_longer_verifies(db: Session) -> None:
    seed_small(db)
    row, value = create_token(db=db, role="organiser")
    assert row.id is not None
    revoke_token(db=db, token_id=row.id)
    first = row.revoked_at
    revoke_token(db=db, token_id=row.id)  # twice: the first time stays
    assert row.revoked_at == first
    assert verify_token(db=db, token=value) is None


@pytest.mark.parametrize(
    ("role", "town", "message"),
    [
        ("coordinator", None, "needs its town"),
        ("organiser", "guzhen", "leave out --town"),
        ("mayor", None, "not one of"),
        ("coordinator", "atlantis", "town 'atlantis' is not in any stored festival"),
    ],
)
def test_create_token_refuses_bad_requests(
    db: Session, role: str, town: str | None, message: str
) -> None:
    seed_small(db)
    with pytest.raises(TokenError, match=message):
        create_token(db=db, role=role, town=town)


def test_hash_token_is_sha256_hex() -> None:
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_token_cli_create_list_revoke(data_dir: Path) -> None:
    from citylive.db import db_scope

    with db_scope() as db:
        seed_small(db)
    runner = CliRunner()
    made = runner.invoke(
        cli_app, ["token", "create", "--role", "coordinator", "--town", "guzhen", "--name", "王芳"]
    )
    assert made.exit_code == 0, made.output
    value = made.stdout.strip().splitlines()[-1]
    assert value.startswith("clv_") and " " not in value
    with db_scope() as db:
        p = verify_token(db=db, token=value)
        assert p is not None and p.town == "guzhen"
        token_id = p.token_id
    listed = runner.invoke(cli_app, ["token", "list"])
    assert listed.exit_code == 0 and "王芳" in listed.stdout and value not in listed.stdout
    revoked = runner.invoke(cli_app, ["token", "revoke", str(token_id)])
    assert revoked.exit_code == 0, revoked.output
    with db_scope() as db:
        assert verify_token(db=db, token=value) is None
    missing = runner.invoke(cli_app, ["token", "revoke", "999"])
    assert missing.exit_code == 1 and "no token with id 999" in missing.output
    bad = runner.invoke(cli_app, ["token", "create", "--role", "coordinator"])
    assert bad.exit_code == 1 and "--town" in bad.output
