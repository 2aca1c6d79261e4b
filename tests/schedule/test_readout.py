"""A plan in words: each town's table, every unplaced request with what ran out and what
would place it, and the solver's terms."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from citylive.cli import app
from citylive.festival import load_festival
from citylive.planner import plan
from citylive.schedule.document import ScheduleDocument
from citylive.schedule.readout import explain, readout, terms

SMALL = Path(__file__).resolve().parents[2] / "examples" / "small.yaml"


def test_readout_of_the_small_plan_lists_each_town() -> None:
    festival = load_festival(SMALL)
    out = readout(festival, plan(festival, time_limit=5))
    assert [(t.town, t.requested, t.placed, t.share, t.at_main) for t in out.towns] == [
        ("guzhen", 4, 4, 1.0, 2),
        ("henglan", 2, 2, 1.0, 1),
        ("shaxi", 4, 4, 1.0, 3),
        ("shiqi", 0, 0, 1.0, 0),
    ]
    assert out.unplaced == []
    assert (out.terms.status, out.terms.gap) == ("OPTIMAL", 0.0)
    assert out.terms.status_means == "the best schedule for the goals' weights, proven so"


def test_unplaced_request_names_the_scarce_resource_and_the_fix() -> None:
    festival = load_festival(SMALL)
    doc = ScheduleDocument.model_validate(
        {
            "festival": "small-2020",
            "unplaced": [
                {
                    "enterprise": "juhao",
                    "count": 1,
                    "reason": "no streamer fits industry 'lighting' on platform 'pdd' in any "
                    "free slot: 1 fitting streamer, each booked, at the daily limit, "
                    "unavailable or declined then",
                }
            ],
            "stats": {"objective": 90, "bound": 100, "solver_status": "FEASIBLE"},
        }
    )
    out = readout(festival, doc)
    line = out.unplaced[0]
    assert (line.name, line.town, line.count, line.scarce) == ("钜豪照明", "guzhen", 1, "streamers")
    assert line.remedy == (
        "another streamer (one who sells 'lighting' on platform 'pdd'), a fitting streamer's "
        "higher max_sessions_per_day, another day, or fewer sessions"
    )
    assert line.reason_zh == "合适的主播在企业有空的时段都已排满、达到每日上限或不可用"
    assert out.lowest_town == "古镇镇"
    assert (out.terms.gap, out.terms.status_means[:33]) == (
        0.1,
        "a schedule that keeps every rule,",
    )


def test_explain_products_and_studios() -> None:
    assert explain(
        "3 SKUs are fewer than min_skus_per_session (5): not one session can show enough products"
    )[:2] == ("products", "ready at least 5 products for live selling")
    assert explain(
        "no free studio at guzhen-venue, main in the slots where the enterprise and a fitting "
        "streamer are both free"
    )[1] == (
        "another day or slot (free the enterprise then), more studios at guzhen-venue, main, "
        "or fewer sessions"
    )


def test_terms_of_a_local_search_have_no_bound() -> None:
    doc = ScheduleDocument.model_validate(
        {"festival": "x", "stats": {"objective": 5, "solver_status": "LOCAL SEARCH (3 moves)"}}
    )
    t = terms(doc)
    assert (t.status, t.bound, t.gap) == ("LOCAL SEARCH (3 moves)", None, None)
    assert t.status_means.startswith("a large festival")


def test_cli_plan_prints_each_town_and_every_unplaced_request(tmp_path: Path) -> None:
    text = SMALL.read_text(encoding="utf-8").replace(
        "sessions: 2, skus: 10,\n     platforms: [pdd], expected_gmv: 60000",
        "sessions: 2, skus: 3,\n     platforms: [pdd], expected_gmv: 60000",
    )
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["plan", str(path), "--out", str(tmp_path / "s.json"), "--time-limit", "3"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.output
    assert "lowest town share 50% (古镇镇)" in out
    assert "古镇镇 (guzhen)  │         4 │      2 │   50% │" in out
    assert "2 requested sessions of 1 enterprises unplaced:" in out
    assert (
        "  钜豪照明 (juhao, guzhen) x2: 3 SKUs are fewer than min_skus_per_session (5): not one "
        "session can show enough products\n    short of: products; would place it: ready at "
        "least 5 products for live selling"
    ) in out
    assert "solver: OPTIMAL in " in out and "objective " in out and "bound " in out
