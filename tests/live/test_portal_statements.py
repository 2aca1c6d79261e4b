"""How many SQL statements a coordinator's portal page issues on the festival day, on SQLite
and PostgreSQL: a fixed number per page, whatever its number of cards and of no-shows (what
every no-show of a day shares is read once for the page), so a query per card fails here."""

from __future__ import annotations

from support.live_factories import DFID, DayApi, dsid
from support.statements import statements

AT = "2020-06-06T19:15:00+08:00"


def _page_statements(day_api: DayApi) -> list[str]:
    """The statements of the guzhen coordinator's page at AT, the stored festival parsed
    already (a page before it: the first page of a process also reads the festival file)."""
    day_api.client.cookies.set("citylive_token", day_api.guzhen["Authorization"][7:])
    url = f"/portal?festival={DFID}&at={AT.replace('+', '%2B')}"
    assert day_api.client.get(url).status_code == 200
    with statements(day_api.engine) as seen:
        r = day_api.client.get(url)
    assert r.status_code == 200, r.text
    return seen


def _no_show(day_api: DayApi, n: int, who: str) -> None:
    r = day_api.post(f"/sessions/{dsid(n)}/no-show", day_api.guzhen, {"who": who})
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]


def test_portal_statements_do_not_grow_with_the_no_shows(day_api: DayApi) -> None:
    # the token, the festival (x4), its names (x7), the town's sessions, declines and
    # confirmations, the festivals, the cards' sessions and live rows
    assert len(_page_statements(day_api)) == 18
    _no_show(day_api, 1, "streamer")
    # + the stored festival's hash, the streamers' day, who did not show (marked, replaced)
    assert len(_page_statements(day_api)) == 22
    _no_show(day_api, 2, "streamer")  # the same day: nothing more to read
    assert len(_page_statements(day_api)) == 22


def test_portal_statements_with_an_enterprise_no_show(day_api: DayApi) -> None:
    _no_show(day_api, 1, "streamer")
    _no_show(day_api, 2, "enterprise")
    # + the town's sessions (that day, in all) and the enterprises who did not show
    assert len(_page_statements(day_api)) == 26
