"""Flows touch only their own files: every path a flow takes resolves inside
CITYLIVE_DATA_DIR (or CITYLIVE_ALLOWED_PATHS, or for reading the packaged examples); anything
else is refused by name, and nothing of a refused file reaches a log or an answer."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from citylive.paths import PathRefused, confined

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "examples" / "small.yaml"
SECRET = "clv_organiser-token-that-must-never-be-logged"


@pytest.fixture
def stored(data_dir: Path) -> Path:
    """The data folder with examples/small.yaml imported."""
    from citylive.actions.festivals import import_festival_file
    from citylive.db import db_scope
    from citylive.festival import load_festival
    from citylive.scope import SYSTEM

    with db_scope() as db:
        import_festival_file(db=db, actor=SYSTEM, festival=load_festival(SMALL))
    return data_dir


def test_confined_path_inside_the_data_folder_is_resolved(data_dir: Path) -> None:
    (data_dir / "inbox").mkdir(parents=True)
    (data_dir / "inbox" / "a.csv").write_text("x\n", encoding="utf-8")
    got = confined(str(data_dir / "inbox" / ".." / "inbox" / "a.csv"), what="file")
    assert got == (data_dir / "inbox" / "a.csv").resolve()


def test_confined_dotdot_escape_is_refused_naming_the_path(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    given = str(data_dir / ".." / "elsewhere.yaml")
    with pytest.raises(PathRefused) as err:
        confined(given, what="festival_file")
    assert str(err.value).startswith(f"festival_file {given!r} is outside the folders flows")
    assert err.value.details == {"path": given}


def test_confined_symlink_out_of_the_data_folder_is_refused(data_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "token.txt"
    outside.write_text(SECRET, encoding="utf-8")
    (data_dir / "inbox").mkdir(parents=True)
    link = data_dir / "inbox" / "export.csv"
    link.symlink_to(outside)
    with pytest.raises(PathRefused) as err:
        confined(link, what="file")
    assert SECRET not in str(err.value)
    assert str(link) in str(err.value)


def test_confined_allow_list_and_examples(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citylive import config

    shared = tmp_path / "shared"
    shared.mkdir()
    assert confined(SMALL, what="festival_file") == SMALL.resolve()  # examples: read
    with pytest.raises(PathRefused):
        confined(ROOT / "examples" / "out.html", what="out", writing=True)
    with pytest.raises(PathRefused):
        confined(shared / "report.html", what="out", writing=True)
    monkeypatch.setenv("CITYLIVE_ALLOWED_PATHS", f"/nonexistent-folder:{shared}")
    config.get_settings.cache_clear()
    assert confined(shared / "report.html", what="out", writing=True) == shared / "report.html"
    with pytest.raises(PathRefused):
        confined("/etc/passwd", what="file")


def test_plan_festival_file_outside_the_data_folder_is_refused(
    data_dir: Path, tmp_path: Path
) -> None:
    from flows.plan_festival import import_festival_from_file

    copy = tmp_path / "small.yaml"
    copy.write_text(SMALL.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(PathRefused, match="festival_file '.*small.yaml' is outside"):
        import_festival_from_file.fn(str(copy))
    assert import_festival_from_file.fn(str(SMALL)) == "small-2020"


def test_summarise_report_out_outside_the_data_folder_is_refused(stored: Path) -> None:
    from flows.summarise_festival import write_report

    with pytest.raises(PathRefused, match="out '/etc/cron.d/x' is outside the folders flows"):
        write_report.fn("small-2020", "/etc/cron.d/x", "en")
    written = write_report.fn("small-2020", str(stored / "r" / "report.html"), "en")
    assert Path(written) == (stored / "r" / "report.html").resolve()
    assert Path(written).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_collect_sales_paths_outside_are_refused_and_never_quoted(
    stored: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from citylive.actions.sales import collect_inbox
    from citylive.db import db_scope

    token_file = tmp_path / "token.txt"
    token_file.write_text(SECRET + "\n", encoding="utf-8")
    inbox = stored / "inbox" / "small-2020"
    inbox.mkdir(parents=True)
    (inbox / "linked.csv").symlink_to(token_file)
    caplog.set_level(logging.DEBUG)
    with db_scope() as db:
        given = collect_inbox(
            db=db,
            festival_id="small-2020",
            files=["/etc/passwd", str(token_file)],
            figures=[],
            move=False,
        )
    with db_scope() as db:
        waiting = collect_inbox(db=db, festival_id="small-2020", figures=[])
    refused = {f.file: f.refused for f in given.files + waiting.files}
    assert sorted(refused) == sorted(["/etc/passwd", str(token_file), str(inbox / "linked.csv")])
    assert all(why and "is outside the folders flows may read" in why for why in refused.values())
    assert (given.totals()["refused"], given.totals()["read"]) == (2, 0)
    assert (inbox / "refused" / "linked.csv").is_symlink()  # the link moved, not its target
    assert token_file.read_text(encoding="utf-8") == SECRET + "\n"
    shown = caplog.text + repr(given.as_dict()) + repr(waiting.as_dict())
    assert SECRET not in shown
    assert "root:" not in shown


def test_collect_sales_unknown_file_in_the_inbox_is_named_not_quoted(
    stored: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from citylive.actions.sales import collect_inbox
    from citylive.db import db_scope

    inbox = stored / "inbox" / "small-2020"
    inbox.mkdir(parents=True)
    (inbox / "token.csv").write_text(f"{SECRET},root:x:0:0\n1,2\n", encoding="utf-8")
    caplog.set_level(logging.DEBUG)
    with db_scope() as db:
        result = collect_inbox(db=db, festival_id="small-2020", figures=[])
    [file] = result.files
    assert file.refused is not None
    assert file.refused.startswith(
        "nothing was stored: token.csv: header row matches no platform's order export. Nearest "
        "layout douyin 抖店 订单导出 misses 5 column(s): 主订单编号: no header like it;"
    )
    assert "root" not in file.refused
    why = (inbox / "refused" / "token.csv.why.txt").read_text(encoding="utf-8")
    assert SECRET not in caplog.text + why + file.refused
