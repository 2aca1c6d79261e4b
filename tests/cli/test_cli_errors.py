"""The command line answers every bad input with one line and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from citylive.cli import app


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_token_revoke_out_of_range_id(data_dir: Path) -> None:
    code, out = _run("token", "revoke", "99999999999999999999")
    assert code == 2
    words = " ".join(out.replace("│", " ").split())
    assert "Invalid value for 'token_id': Input should be less than or equal to 2147483647" in words
    assert "Traceback" not in out


def test_unreachable_database_is_one_line(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    from citylive import config

    monkeypatch.setenv(
        "CITYLIVE_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:9/none"
    )
    config.get_settings.cache_clear()
    code, out = _run("festivals")
    assert code == 1
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[0].startswith(
        "error: cannot reach the database postgresql+psycopg://nobody:***@127.0.0.1:9/none:"
    )
    assert "secret" not in out and "Traceback" not in out
    assert lines[-1].endswith("check CITYLIVE_DATABASE_URL and that the server runs")


def test_plan_with_a_broken_previous_schedule(
    data_dir: Path, tmp_path: Path, small_path: Path
) -> None:
    bad = tmp_path / "old.json"
    bad.write_text('{"format": "citylive/schedule@1", "festival": "small-2020", "sessions": [{}]}')
    code, out = _run(
        "plan", str(small_path), "--out", str(tmp_path / "new.json"), "--previous", str(bad)
    )
    assert code == 1
    assert f"error: {bad}: sessions[0].id: Field required (and 7 more)" in " ".join(out.split())
