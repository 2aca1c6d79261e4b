"""Sales: figures grouped and filtered, lift, discount depth, flags, export uploads, viewer
figures, ingested files, the report.  Each route hands ids to one citylive.actions.sales call."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse

from api.deps import CurrentActor, DbDep, ReaderActor
from api.schemas.errors import ERRORS
from api.schemas.sales import (
    DiscountRow,
    DiscountsPublic,
    DisputesPublic,
    FiguresBody,
    FiguresStoredPublic,
    FileIngestPublic,
    FlagPublic,
    FlagsPublic,
    IngestPublic,
    LiftPublic,
    LiftRow,
    ReattributedPublic,
    RemovedFilePublic,
    SalesFilePublic,
    SalesFilesPublic,
    SettleBody,
    SettlementPublic,
    SummaryPublic,
    SummaryRow,
)
from citylive.actions import sales as actions
from citylive.config import get_settings
from citylive.sales.figures import Filters

router = APIRouter(prefix="/festivals/{fid}", tags=["sales"])

Grouping = Literal[
    "session", "streamer", "enterprise", "town", "district", "industry", "platform", "venue", "hour"
]
Window = Literal["festival", "before", "after", "all"]
LiftGrouping = Literal["festival", "enterprise", "town", "industry", "platform"]
Id = Annotated[str | None, Query(max_length=64)]


@router.get(
    "/summary",
    response_model=SummaryPublic,
    responses=ERRORS,
    summary="Sales figures grouped by session, streamer, enterprise, town, district, industry, platform, venue or hour",
)
def sales_summary(
    db: DbDep,
    actor: CurrentActor,
    fid: str,
    by: Grouping = "town",
    town: Id = None,
    industry: Id = None,
    enterprise: Id = None,
    platform: Annotated[str | None, Query(max_length=32)] = None,
    venue: Id = None,
    streamer: Id = None,
    day: date | None = None,
    window: Window | None = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    district: Id = None,
) -> SummaryPublic:
    """A coordinator gets its own town's enterprises only.  By district, an enterprise counts
    for its town's district; the key None holds the towns in no district.  `window` keeps the lines paid in
    the weeks before the festival, on its days (the default, unless `day` names one), in the
    weeks after (`sales_windows`), or every week of the data (`all`)."""
    window = window or ("all" if day else "festival")
    filters = Filters(
        industry=industry,
        enterprise=enterprise,
        platform=platform,
        venue=venue,
        streamer=streamer,
        day=day.isoformat() if day else None,
        window=None if window == "all" else window,
        district=district,
    )
    rows = actions.sales_summary(
        db=db, actor=actor, festival_id=fid, by=by, town=town, filters=filters, limit=limit
    )
    data = [SummaryRow(**{k: v for k, v in r.items() if not k.endswith("_fen")}) for r in rows]
    return SummaryPublic(by=by, window=window, data=data, count=len(data))


@router.get(
    "/lift",
    response_model=LiftPublic,
    responses=ERRORS,
    summary="After the hype: mean daily net GMV before, during and after, lift and retention",
)
def sales_lift(
    db: DbDep, actor: CurrentActor, fid: str, by: LiftGrouping = "town", town: Id = None
) -> LiftPublic:
    rows = actions.sales_lift(db=db, actor=actor, festival_id=fid, by=by, town=town)
    data = [LiftRow(**r) for r in rows]
    return LiftPublic(by=by, data=data, count=len(data))


@router.get(
    "/discounts",
    response_model=DiscountsPublic,
    responses=ERRORS,
    summary="Discount depth per session against the products' pre-festival median prices",
)
def sales_discounts(
    db: DbDep,
    actor: CurrentActor,
    fid: str,
    town: Id = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> DiscountsPublic:
    rows = actions.sales_discounts(db=db, actor=actor, festival_id=fid, town=town, limit=limit)
    return DiscountsPublic(data=[DiscountRow(**r) for r in rows], count=len(rows))


@router.get(
    "/flags",
    response_model=FlagsPublic,
    responses=ERRORS,
    summary="Sessions flagged for inflated figures or loss-leader selling",
)
def sales_flags(
    db: DbDep,
    actor: CurrentActor,
    fid: str,
    town: Id = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
) -> FlagsPublic:
    """Each flag carries its evidence; a coordinator sees its own town's only."""
    flags = actions.sales_flags(db=db, actor=actor, festival_id=fid, town=town, kind=kind)
    return FlagsPublic(data=[FlagPublic(**f.as_dict()) for f in flags], count=len(flags))


@router.post(
    "/sales/uploads",
    response_model=IngestPublic,
    responses=ERRORS
    | {
        413: {"description": "a file over the upload limit"},
        422: {"description": "a file of unknown shape, or an unknown enterprise"},
    },
    summary="Upload platform order exports (CSV in UTF-8/GBK, or XLSX)",
)
def upload_exports(
    db: DbDep,
    actor: CurrentActor,
    fid: str,
    files: Annotated[
        list[UploadFile], File(description="order exports, one enterprise and platform each")
    ],
    enterprise: Annotated[str | None, Form(max_length=64)] = None,
    platform: Annotated[str | None, Form(max_length=32)] = None,
) -> IngestPublic:
    """Every row is stored or quarantined with its reason; read = stored + quarantined + duplicates.

    A coordinator uploads for an enterprise of its own town and must name it.  Read and
    stored in a worker thread (this route is not async), never on the event loop."""
    limit = get_settings().max_upload_bytes
    uploads = []
    for upload in files:
        body = upload.file.read(limit + 1)
        uploads.append(actions.Upload(upload.filename or "export.csv", body))
    result = actions.ingest_uploads(
        db=db,
        actor=actor,
        festival_id=fid,
        uploads=uploads,
        enterprise=enterprise,
        platform=platform,
    )
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
                clashes=f.clashes,
            )
            for f in result.files
        ],
    )


@router.post(
    "/sales/figures",
    response_model=FiguresStoredPublic,
    responses=ERRORS | {422: {"description": "a bad or out-of-range number"}},
    summary="Report viewer figures and self-reported GMV per session",
)
def report_figures(
    db: DbDep, actor: CurrentActor, fid: str, body: FiguresBody
) -> FiguresStoredPublic:
    """A later report for a session replaces the earlier one.  Coordinators report for their
    town's sessions; an unknown session (or another town's) answers 404."""
    n = actions.report_figures(
        db=db,
        actor=actor,
        festival_id=fid,
        records=[r.model_dump() for r in body.data],
        reported_by=body.reported_by,
    )
    return FiguresStoredPublic(sessions=n)


@router.get(
    "/sales/files",
    response_model=SalesFilesPublic,
    responses=ERRORS,
    summary="The export files ingested (organisers)",
)
def sales_files(db: DbDep, actor: CurrentActor, fid: str) -> SalesFilesPublic:
    rows = actions.list_sales_files(db=db, actor=actor, festival_id=fid)
    return SalesFilesPublic(data=[SalesFilePublic(**r) for r in rows], count=len(rows))


@router.delete(
    "/sales/files/{file_id}",
    response_model=RemovedFilePublic,
    responses=ERRORS,
    summary="Take an ingested file back out: its lines no other listed file holds, its quarantined rows (organisers)",
)
def remove_sales_file(db: DbDep, actor: CurrentActor, fid: str, file_id: int) -> RemovedFilePublic:
    removed = actions.remove_sales_file(db=db, actor=actor, festival_id=fid, file_id=file_id)
    return RemovedFilePublic(**removed.__dict__)


@router.get(
    "/sales/disputes",
    response_model=DisputesPublic,
    responses=ERRORS,
    summary="Order lines two enterprises' files both hold, with the evidence",
)
def sales_disputes(db: DbDep, actor: CurrentActor, fid: str, town: Id = None) -> DisputesPublic:
    """A coordinator sees the disputes of its own town's enterprises."""
    out = actions.sales_disputes(db=db, actor=actor, festival_id=fid, town=town)
    return DisputesPublic.model_validate(out)


@router.post(
    "/sales/disputes/settle",
    response_model=SettlementPublic,
    responses=ERRORS,
    summary="Settle disputed lines for one enterprise (organisers)",
)
def settle_disputes(db: DbDep, actor: CurrentActor, fid: str, body: SettleBody) -> SettlementPublic:
    """The lines `keep` and `against` (without it: anyone) both hold count for `keep`."""
    out = actions.settle_disputes(
        db=db,
        actor=actor,
        festival_id=fid,
        keep=body.keep,
        against=body.against,
        reason=body.reason,
    )
    return SettlementPublic.model_validate(out)


@router.post(
    "/sales/reattribute",
    response_model=ReattributedPublic,
    responses=ERRORS,
    summary="Attribute every order line afresh, after a re-plan (organisers)",
)
def reattribute(db: DbDep, actor: CurrentActor, fid: str) -> ReattributedPublic:
    changed = actions.reattribute_festival(db=db, actor=actor, festival_id=fid)
    return ReattributedPublic(changed=changed)


@router.get(
    "/report",
    response_class=HTMLResponse,
    responses=ERRORS | {200: {"content": {"text/html": {}}, "description": "the report"}},
    summary="The sales summary report (HTML); a coordinator's holds its own town only",
)
def sales_report(
    db: DbDep,
    actor: ReaderActor,
    fid: str,
    lang: Literal["zh-CN", "en"] = "zh-CN",
    town: Id = None,
) -> HTMLResponse:
    page = actions.report_html(db=db, actor=actor, festival_id=fid, locale=lang, town=town)
    return HTMLResponse(page)
