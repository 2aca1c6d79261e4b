"""Festivals: import (JSON or a file upload), list, get, capacity, confirmations, planning."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Request, UploadFile, status

from api import planning
from api.deps import (
    CurrentUser,
    OrganiserUser,
    SessionDep,
    check_festival_scope,
    get_app_engine,
    scope_town,
)
from api.errors import ApiError
from api.schemas import (
    CapacityPublic,
    ConfirmationsPublic,
    ErrorPublic,
    FestivalImportPublic,
    PlanRequest,
    PlanRunPublic,
    TownConfirmationPublic,
)
from citylive.festival import FestivalFileError, load_festival_text, parse_festival
from citylive.planner.capacity import capacity_report
from citylive.sessions import confirmations_by_town, festival_brief
from citylive.festival.storage import (
    FestivalNotFound,
    festival_public,
    import_festival,
    list_festivals,
    load_stored_festival,
)
from models import Festival, FestivalPublic, FestivalsPublic

router = APIRouter(prefix="/festivals", tags=["festivals"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "the body could not be read (not JSON)"},
    401: {"model": ErrorPublic, "description": "no token, or an unknown or revoked one"},
    403: {"model": ErrorPublic, "description": "not allowed for this role or town"},
    404: {"model": ErrorPublic, "description": "no such festival (or not yours)"},
}
MAX_UPLOAD = 20 * 1024 * 1024

FESTIVAL_EXAMPLE = {
    "format": "citylive/festival@1",
    "festival": {
        "id": "tiny-2020",
        "name": "小镇直播节",
        "days": ["2020-06-06"],
        "slots": [{"start": "19:00", "end": "21:00"}],
    },
    "towns": [{"id": "guzhen", "name": "古镇镇"}],
    "industries": [{"id": "lighting", "name": "灯饰照明"}],
    "platforms": ["douyin"],
    "venues": [{"id": "main", "kind": "main", "name": "主会场", "town": "guzhen", "studios": 1}],
    "enterprises": [
        {
            "id": "huayi",
            "name": "华艺灯饰",
            "town": "guzhen",
            "industry": "lighting",
            "sessions": 1,
            "skus": 10,
            "platforms": ["douyin"],
            "expected_gmv": 100000,
        }
    ],
    "streamers": [
        {
            "id": "li-ming",
            "name": "李明",
            "town": "guzhen",
            "industries": ["lighting"],
            "platforms": ["douyin"],
            "max_sessions_per_day": 1,
        }
    ],
}


def get_festival_row(db: SessionDep, user: CurrentUser, fid: str) -> Festival:
    check_festival_scope(user, fid)
    row = festival_brief(db, fid)
    if row is None:
        raise FestivalNotFound(fid)
    return row


def _import(db: SessionDep, text_or_doc: Any, source: str) -> FestivalImportPublic:
    festival = (
        load_festival_text(text_or_doc, source)
        if isinstance(text_or_doc, str)
        else parse_festival(text_or_doc, source)
    )
    result = import_festival(db, festival)
    db.commit()
    row = db.get(Festival, result.festival_id)
    assert row is not None
    return FestivalImportPublic(
        festival=festival_public(db, row), created=result.created, changed=result.changed
    )


@router.get("", response_model=FestivalsPublic, responses=ERRORS)
def read_festivals(db: SessionDep, user: CurrentUser) -> FestivalsPublic:
    """Festivals stored (a token made for one festival sees only that one)."""
    rows = [r for r in list_festivals(db) if user.festival_id in (None, r.id)]
    return FestivalsPublic(data=[festival_public(db, r) for r in rows], count=len(rows))


@router.post(
    "",
    response_model=FestivalImportPublic,
    responses=ERRORS | {422: {"model": ErrorPublic, "description": "the festival file is invalid"}},
)
def create_festival(
    db: SessionDep,
    user: OrganiserUser,
    document: Annotated[
        dict[str, Any],
        Body(description="a `citylive/festival@1` document", examples=[FESTIVAL_EXAMPLE]),
    ],
) -> FestivalImportPublic:
    """Create a festival, or update the stored one with the same id, from its JSON."""
    return _import(db, document, "<request body>")


@router.post(
    "/upload",
    response_model=FestivalImportPublic,
    responses=ERRORS | {422: {"model": ErrorPublic, "description": "the festival file is invalid"}},
)
async def upload_festival(
    db: SessionDep,
    user: OrganiserUser,
    file: Annotated[UploadFile, File(description="a festival file, YAML or JSON, UTF-8")],
) -> FestivalImportPublic:
    """Create or update a festival from an uploaded festival file (YAML or JSON)."""
    raw = await file.read(MAX_UPLOAD + 1)
    name = file.filename or "upload"
    if len(raw) > MAX_UPLOAD:
        raise ApiError(413, f"{name}: larger than {MAX_UPLOAD // 2**20} MiB", field="file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FestivalFileError(
            name, [f"{name}: not UTF-8 text (byte {exc.start}); save it as UTF-8"]
        ) from None
    return _import(db, text, name)


@router.get("/{fid}", response_model=FestivalPublic, responses=ERRORS)
def read_festival(db: SessionDep, user: CurrentUser, fid: str) -> FestivalPublic:
    return festival_public(db, get_festival_row(db, user, fid))


@router.get("/{fid}/capacity", response_model=CapacityPublic, responses=ERRORS)
def read_capacity(db: SessionDep, user: OrganiserUser, fid: str) -> CapacityPublic:
    """The capacity check: demand against supply per town and industry, shortages in words."""
    check_festival_scope(user, fid)
    return CapacityPublic.model_validate(capacity_report(load_stored_festival(db, fid)).as_dict())


@router.get("/{fid}/confirmations", response_model=ConfirmationsPublic, responses=ERRORS)
def read_confirmations(db: SessionDep, user: CurrentUser, fid: str) -> ConfirmationsPublic:
    """How many sessions each town confirmed, declined, or has yet to decide (a coordinator
    sees only its own town)."""
    row = get_festival_row(db, user, fid)
    lines = confirmations_by_town(db=db, festival_id=fid, town=scope_town(user, None))
    data = [
        TownConfirmationPublic(
            town=x.town,
            name=x.name,
            proposed=x.proposed,
            confirmed=x.confirmed,
            declined=x.declined,
            cancelled=x.cancelled,
            total=x.total,
        )
        for x in lines
    ]
    return ConfirmationsPublic(
        festival=fid, confirmation_deadline=row.confirmation_deadline, data=data, count=len(data)
    )


@router.post(
    "/{fid}/plan",
    response_model=PlanRunPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS,
)
def launch_plan(
    request: Request,
    db: SessionDep,
    user: OrganiserUser,
    fid: str,
    body: PlanRequest | None = None,
) -> PlanRunPublic:
    """Start planning (or re-planning) the stored festival; poll the run's status route."""
    get_festival_row(db, user, fid)
    return planning.get_launcher().launch(
        festival_id=fid,
        time_limit=(body or PlanRequest()).time_limit,
        engine=get_app_engine(request),
    )


@router.get("/{fid}/plan/{run_id}", response_model=PlanRunPublic, responses=ERRORS)
def read_plan_run(db: SessionDep, user: OrganiserUser, fid: str, run_id: str) -> PlanRunPublic:
    """How a planning run went."""
    run = planning.get_launcher().status(run_id)
    if run is None or run.festival != fid:
        raise ApiError(404, f"no planning run {run_id!r} for festival {fid!r}", field="run_id")
    return run
