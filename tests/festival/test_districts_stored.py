"""A festival's districts are stored with it (in the file's order, each town with its
district), and a re-import without them takes them away."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from support.districts import districts_festival
from support.sales_factories import SMALL

import models
from citylive.festival import load_festival
from citylive.festival.storage import import_festival
from citylive.schedule.publish import names_of


def test_districts_stored_and_dropped_on_reimport(engine: Engine) -> None:
    with Session(engine) as db:
        import_festival(db, districts_festival())
        db.commit()
        names = names_of(db=db, festival_id="small-2020")
        assert list(names.districts.items()) == [("west", "西部组团"), ("centre", "中心组团")]
        assert names.district_of_town == {"guzhen": "west", "henglan": "west", "shiqi": "centre"}
        assert (names.district_of("henglan"), names.district_of("shaxi")) == ("西部组团", None)
        venues = db.exec(
            select(models.Venue.id, models.Venue.town_id).order_by(col(models.Venue.id))
        )
        assert dict(venues.all())["huayi-rooms"] == "guzhen"
        import_festival(db, load_festival(SMALL))
        db.commit()
        names = names_of(db=db, festival_id="small-2020")
        assert (names.districts, names.district_of_town) == ({}, {})
        assert db.exec(select(models.District)).all() == []
