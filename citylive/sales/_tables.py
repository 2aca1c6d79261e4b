"""The sales tables as SQLAlchemy Core tables (bulk paths and GROUP BY queries use Core)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

import models
from models.sales import OrderLineFile, OrderRollup, SalesCache, SalesSettlement, SalesState


def table_of(model: Any) -> sa.Table:
    table: sa.Table = model.__table__
    return table


ORDER_LINE = table_of(models.OrderLine)
ORDER_ROLLUP = table_of(OrderRollup)
ORDER_LINE_FILE = table_of(OrderLineFile)
SALES_SETTLEMENT = table_of(SalesSettlement)
QUARANTINED_ROW = table_of(models.QuarantinedRow)
SALES_FILE = table_of(models.SalesFile)
SALES_STATE = table_of(SalesState)
SALES_CACHE = table_of(SalesCache)
SESSION_FIGURES = table_of(models.SessionFigures)
FESTIVAL = table_of(models.Festival)
FESTIVAL_SESSION = table_of(models.FestivalSession)
ENTERPRISE = table_of(models.Enterprise)
STREAMER = table_of(models.Streamer)
TOWN = table_of(models.Town)
DISTRICT = table_of(models.District)
INDUSTRY = table_of(models.Industry)
VENUE = table_of(models.Venue)
