"""The report on a 390 px phone in Debian's chromium: no sideways scroll of the page; wide
tables scroll inside themselves.  The screenshot goes to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from support.browser import ARTIFACTS, chromium
from support.sales_factories import build_sales

from citylive.report import render_report
from citylive.sales.session_figures import read_figures_csv, store_figures

pytestmark = pytest.mark.browser


def _report(engine: Engine, tmp_path: Path, locale: str) -> Path:
    build_sales(engine, tmp_path)
    figures = tmp_path / "f.csv"
    figures.write_text(
        "session_id,views,claimed_gmv\nsmall-2020-s00001,1000,2000.00\n", encoding="utf-8"
    )
    with Session(engine) as db:
        store_figures(db=db, festival_id="small-2020", rows=read_figures_csv(figures))
        db.commit()
        return render_report(
            db=db, festival_id="small-2020", out=tmp_path / f"r-{locale}.html", locale=locale
        )


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_report_at_390px_has_no_sideways_page_scroll(
    engine: Engine, tmp_path: Path, locale: str
) -> None:
    out = _report(engine, tmp_path, locale)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(out.as_uri())
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]"
        )
        flags_scroll = page.evaluate(
            "(() => { const t = document.getElementById('flags');"
            " return [t.scrollWidth >= t.clientWidth, t.getBoundingClientRect().right]; })()"
        )
        page.screenshot(path=str(ARTIFACTS / f"report-390-{locale}.png"), full_page=True)
    assert widths == [390, 390, 390]
    assert flags_scroll[0] is True and flags_scroll[1] <= 390
