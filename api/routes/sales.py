"""Sales: figures grouped and filtered, inflation flags, export uploads, viewer figures, report."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from api.deps import CurrentUser, SessionDep, check_festival_scope, get_app_engine, scope_town
from api.errors import ApiError
from api.routes.festivals import ERRORS, MAX_UPLOAD
from citylive.config import get_settings
from citylive.festival.storage import FestivalNotFound
from citylive.sales.figures import Filters, summary
from citylive.sales.flags import flag_sessions
from citylive.sales.ingest import IngestError, ingest_files
from citylive.sales.session_figures import FiguresError, parse_figures, store_figures
from models import Enterprise, Festival, FestivalSession
from models.enums import Role

router = APIRouter(prefix="/festivals/{fid}", tags=["sales"])

Grouping = Literal[
    "session", "streamer", "enterprise", "town", "industry", "platform", "venue", "hour"
]


class SummaryRow(BaseModel):
    """Figures of one group.  Money as decimal strings in yuan; viewer figures where reported."""

    model_config = ConfigDict(extra="allow")
    key: str | None = Field(description="the group's id (null: off-session lines)")
    label: str
    gmv: str = Field(description="paid, before refunds (yuan)")
    net_gmv: str = Field(description="after refunds and cancellations (yuan)")
    orders: int
    units: int
    buyers: int
    aov: str | None = Field(default=None, description="average order value (yuan)")
    refund_rate: float
    session_gmv: str
    off_session_gmv: str


class SummaryPublic(BaseModel):
    by: str
    data: list[SummaryRow]
    count: int


class FlagPublic(BaseModel):
    kind: str = Field(description="refund|buyers|conversion|claim|brushing")
    session_id: str | None
    enterprise: str
    streamer: str | None
    town: str
    message: str
    evidence: dict[str, Any]


class FlagsPublic(BaseModel):
    data: list[FlagPublic]
    count: int


class FileIngestPublic(BaseModel):
    filename: str
    platform: str
    enterprise: str
    encoding: str
    read: int
    stored: int
    quarantined: int
    duplicates: int
    attributed: int


class IngestPublic(BaseModel):
    read: int
    stored: int
    quarantined: int
    duplicates: int
    files: list[FileIngestPublic]


class FiguresIn(BaseModel):
    session_id: str = Field(max_length=96)
    views: int | None = Field(default=None, ge=0, description="场观")
    peak_viewers: int | None = Field(default=None, ge=0, description="人数峰值")
    new_followers: int | None = Field(default=None, ge=0, description="新增粉丝")
    claimed_gmv: str | None = Field(
        default=None, max_length=32, description='self-reported GMV in yuan, e.g. "12345.60"'
    )


class FiguresBody(BaseModel):
    data: list[FiguresIn] = Field(max_length=10_000)
    reported_by: str | None = Field(default=None, max_length=200)


class FiguresStoredPublic(BaseModel):
    sessions: int


def _festival(db: SessionDep, user: CurrentUser, fid: str) -> None:
    check_festival_scope(user, fid)
    if db.get(Festival, fid) is None:
        raise FestivalNotFound(fid)


@router.get(
    "/summary",
    response_model=SummaryPublic,
    responses=ERRORS,
    summary="Sales figures grouped by session, streamer, enterprise, town, industry, platform, venue or hour",
)
def sales_summary(
    db: SessionDep,
    user: CurrentUser,
    fid: str,
    by: Grouping = "town",
    town: Annotated[str | None, Query(max_length=64)] = None,
    industry: Annotated[str | None, Query(max_length=64)] = None,
    enterprise: Annotated[str | None, Query(max_length=64)] = None,
    platform: Annotated[str | None, Query(max_length=32)] = None,
    venue: Annotated[str | None, Query(max_length=64)] = None,
    streamer: Annotated[str | None, Query(max_length=64)] = None,
    day: date | None = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> SummaryPublic:
    """A coordinator gets its own town's enterprises only, whatever `town` it asks for."""
    _festival(db, user, fid)
    filters = Filters(
        industry=industry,
        enterprise=enterprise,
        platform=platform,
        venue=venue,
        streamer=streamer,
        day=day.isoformat() if day else None,
    )
    rows = summary(
        db=db, festival_id=fid, by=by, town=scope_town(user, town), filters=filters, limit=limit
    )
    data = [SummaryRow(**{k: v for k, v in r.items() if not k.endswith("_fen")}) for r in rows]
    return SummaryPublic(by=by, data=data, count=len(data))


@router.get(
    "/flags",
    response_model=FlagsPublic,
    responses=ERRORS,
    summary="Sessions flagged for inflated figures",
)
def sales_flags(
    db: SessionDep,
    user: CurrentUser,
    fid: str,
    town: Annotated[str | None, Query(max_length=64)] = None,
) -> FlagsPublic:
    """Each flag carries its evidence; a coordinator sees its own town's only."""
    _festival(db, user, fid)
    flags = flag_sessions(db=db, festival_id=fid, town=scope_town(user, town))
    return FlagsPublic(data=[FlagPublic(**f.as_dict()) for f in flags], count=len(flags))


@router.post(
    "/sales/uploads",
    response_model=IngestPublic,
    responses=ERRORS | {422: {"description": "a file of unknown shape, or an unknown enterprise"}},
    summary="Upload platform order exports (CSV in UTF-8/GBK, or XLSX)",
)
async def upload_exports(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    fid: str,
    files: Annotated[
        list[UploadFile], File(description="order exports, one enterprise and platform each")
    ],
    enterprise: Annotated[str | None, Form(max_length=64)] = None,
    platform: Annotated[str | None, Form(max_length=32)] = None,
) -> IngestPublic:
    """Every row is stored or quarantined with its reason; read = stored + quarantined + duplicates.

    A coordinator uploads for an enterprise of its own town and must name it."""
    _festival(db, user, fid)
    if user.role != Role.organiser:
        if not enterprise:
            raise ApiError(422, "name the enterprise the files belong to", field="enterprise")
        row = db.get(Enterprise, (fid, enterprise))
        if row is None or row.town_id != user.town:
            raise ApiError(
                403,
                f"a coordinator uploads only for enterprises of town {user.town!r}",
                "enterprise",
            )
    folder = get_settings().data_dir / "uploads" / fid
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for upload in files:
        body = await upload.read(MAX_UPLOAD + 1)
        if len(body) > MAX_UPLOAD:
            raise ApiError(
                413,
                f"{upload.filename}: larger than {MAX_UPLOAD // (1024 * 1024)} MB; use `citylive sales ingest`",
                "files",
            )
        name = re.sub(r"[^\w.\-]+", "_", upload.filename or "export.csv")[-120:]
        path = folder / f"{hashlib.sha256(body).hexdigest()[:12]}_{name}"
        path.write_bytes(body)
        paths.append(path)
    engine = get_app_engine(request)
    try:
        result = await run_in_threadpool(
            lambda: ingest_files(
                engine=engine,
                festival_id=fid,
                paths=paths,
                enterprise_id=enterprise,
                platform=platform,
            )
        )
    except (IngestError, ValueError) as exc:
        raise ApiError(422, str(exc), field="files") from exc
    return IngestPublic(
        read=result.read,
        stored=result.stored,
        quarantined=result.quarantined,
        duplicates=result.duplicates,
        files=[
            FileIngestPublic(
                filename=f.path.name.split("_", 1)[-1],
                platform=f.platform,
                enterprise=f.enterprise_id,
                encoding=f.encoding,
                read=f.read,
                stored=f.stored,
                quarantined=f.quarantined,
                duplicates=f.duplicates,
                attributed=f.attributed,
            )
            for f in result.files
        ],
    )


@router.post(
    "/sales/figures",
    response_model=FiguresStoredPublic,
    responses=ERRORS | {422: {"description": "an unknown session or a bad number"}},
    summary="Report viewer figures and self-reported GMV per session",
)
def report_figures(
    db: SessionDep, user: CurrentUser, fid: str, body: FiguresBody
) -> FiguresStoredPublic:
    """A later report for a session replaces the earlier one.  Coordinators report for their town."""
    _festival(db, user, fid)
    ids = {r.session_id for r in body.data}
    if user.role != Role.organiser and ids:
        towns = dict(
            db.exec(
                select(FestivalSession.id, FestivalSession.town).where(
                    FestivalSession.festival_id == fid, col(FestivalSession.id).in_(ids)
                )
            ).all()
        )
        if any(towns.get(i, user.town) != user.town for i in ids):
            raise ApiError(
                403, f"a coordinator reports only for sessions of town {user.town!r}", "data"
            )
    try:
        rows = parse_figures([r.model_dump() for r in body.data], "data")
        n = store_figures(
            db=db, festival_id=fid, rows=rows, reported_by=body.reported_by or user.name
        )
    except FiguresError as exc:
        raise ApiError(422, str(exc), field="data") from exc
    db.commit()
    return FiguresStoredPublic(sessions=n)


@router.get(
    "/report",
    response_class=HTMLResponse,
    responses=ERRORS | {200: {"content": {"text/html": {}}, "description": "the report"}},
    summary="The sales summary report (HTML); a coordinator's holds its own town only",
)
def sales_report(
    db: SessionDep,
    user: CurrentUser,
    fid: str,
    lang: Literal["zh-CN", "en"] = "zh-CN",
    town: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    import tempfile
    from pathlib import Path

    from citylive.report import render_report

    _festival(db, user, fid)
    scoped = scope_town(user, town)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            out = render_report(
                db=db, festival_id=fid, out=Path(tmp) / "r.html", locale=lang, town=scoped
            )
        except ValueError as exc:
            raise ApiError(404, str(exc), field="town") from exc
        return HTMLResponse(out.read_text(encoding="utf-8"))
