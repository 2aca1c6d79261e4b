"""The schedule document's one dump: what schedule-file.md names is always written."""

from __future__ import annotations

import json

from citylive.schedule.document import ScheduleDocument, ScheduleStats, Tradeoff, load_schedule


def test_the_spec_figures_are_written_as_null_when_a_run_has_none() -> None:
    doc = ScheduleDocument(
        festival="small-2020",
        version=3,
        stats=ScheduleStats(placed=2, requested=3, value=900, objective=1200.0),
        tradeoffs=[Tradeoff(fairness="none", value=950, min_town_share=0.25, estimate="flow")],
    )
    data = doc.dump()
    assert data == {
        "format": "citylive/schedule@1",
        "festival": "small-2020",
        "version": 3,
        "sessions": [],
        "unplaced": [],
        "stats": {
            "placed": 2,
            "requested": 3,
            "value": 900,
            "objective": 1200.0,
            "bound": None,
            "solve_seconds": None,
        },
        "tradeoffs": [
            {
                "fairness": "none",
                "value": 950,
                "min_town_share": 0.25,
                "prime_value": None,
                "clash_pairs": None,
                "estimate": "flow",
            }
        ],
    }
    # and it reads back as it was
    assert load_schedule(json.loads(json.dumps(data))) == doc


def test_a_document_without_tradeoffs_writes_none() -> None:
    data = ScheduleDocument(festival="small-2020").dump()
    assert "tradeoffs" not in data
    assert data["stats"] == {
        "placed": 0,
        "requested": 0,
        "value": 0,
        "objective": None,
        "bound": None,
        "solve_seconds": None,
    }
