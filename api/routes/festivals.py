"""Festivals: import (JSON or a file upload), list, get, capacity, confirmations, the deadline,
planning jobs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Query, UploadFile, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api import prefect_jobs
from api.deps import CurrentActor, DbDep, EngineDep
from api.errors import ApiError
from api.schemas.errors import ERRORS, ErrorPublic
from api.schemas.festivals import (
    CapacityPublic,
    ConfirmationsPublic,
    FestivalImportPublic,
    FestivalsPublic,
    FestivalUpdate,
    TownConfirmationPublic,
)
from api.schemas.planning import PlanConflictPublic, PlanRequest, PlanRunPublic
from citylive.actions import festivals as actions
from citylive.actions.plan_jobs import PlanJobRunning, plan_job, request_plan
from citylive.actions.planning import plan_readout, released_schedule
from citylive.config import get_settings
from citylive.festival import FestivalFileError
from citylive.schedule import ScheduleDocument
from models import FestivalPublic

router = APIRouter(prefix="/festivals", tags=["festivals"])

# OpenAPI links: what a client (or a stateful test) can call next with an answer's ids.
FESTIVAL_LINKS = {
    name: {"operationId": op, "parameters": {"fid": "$response.body#/festival/id"}}
    for name, op in (
        ("ReadFestival", "read_festival"),
        ("ReadSessions", "read_sessions"),
        ("Plan", "launch_plan"),
        ("MoveDeadline", "update_festival"),
        ("ReadConfirmations", "read_confirmations"),
    )
}
IMPORT_ERRORS = ERRORS | {
    409: {"model": ErrorPublic, "description": "the file drops what the schedule depends on"},
    422: {"model": ErrorPublic, "description": "the festival file is invalid"},
}

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


@router.get("", response_model=FestivalsPublic, responses=ERRORS)
def read_festivals(db: DbDep, actor: CurrentActor) -> FestivalsPublic:
    """Festivals stored (a token made for one festival sees only that one)."""
    rows = actions.festivals(db=db, actor=actor)
    return FestivalsPublic(data=rows, count=len(rows))


def _imported(done: actions.Imported) -> FestivalImportPublic:
    return FestivalImportPublic(
        festival=done.festival, created=done.result.created, changed=done.result.changed
    )


@router.post(
    "",
    response_model=FestivalImportPublic,
    responses=IMPORT_ERRORS | {200: {"links": FESTIVAL_LINKS}},
    operation_id="create_festival",
)
async def create_festival(
    db: DbDep,
    actor: CurrentActor,
    document: Annotated[
        dict[str, Any],
        Body(description="a `citylive/festival@1` document", examples=[FESTIVAL_EXAMPLE]),
    ],
    force: Annotated[bool, Query(description="remove what the file dropped")] = False,
) -> FestivalImportPublic:
    """Create a festival, or update the stored one with the same id, from its JSON."""
    done = await run_in_threadpool(
        lambda: actions.import_festival_data(
            db=db, actor=actor, data=document, source="<request body>", force=force
        )
    )
    return _imported(done)


@router.post("/upload", response_model=FestivalImportPublic, responses=IMPORT_ERRORS)
async def upload_festival(
    db: DbDep,
    actor: CurrentActor,
    file: Annotated[UploadFile, File(description="a festival file, YAML or JSON, UTF-8")],
    force: Annotated[bool, Query(description="remove what the file dropped")] = False,
) -> FestivalImportPublic:
    """Create or update a festival from an uploaded festival file (YAML or JSON)."""
    limit = get_settings().max_upload_bytes
    raw = await file.read(limit + 1)
    name = (file.filename or "upload")[-120:]
    if len(raw) > limit:
        raise ApiError(413, f"{name}: larger than {limit // 2**20} MiB", field="file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FestivalFileError(
            name, [f"{name}: not UTF-8 text (byte {exc.start}); save it as UTF-8"]
        ) from None
    # reading and validating a large file is CPU work: off the event loop
    done = await run_in_threadpool(
        lambda: actions.import_festival_data(
            db=db, actor=actor, data=text, source=name, force=force
        )
    )
    return _imported(done)


@router.get("/{fid}", response_model=FestivalPublic, responses=ERRORS, operation_id="read_festival")
def read_festival(db: DbDep, actor: CurrentActor, fid: str) -> FestivalPublic:
    return actions.festival(db=db, actor=actor, festival_id=fid)


@router.patch(
    "/{fid}", response_model=FestivalPublic, responses=ERRORS, operation_id="update_festival"
)
def update_festival(
    db: DbDep, actor: CurrentActor, fid: str, body: FestivalUpdate
) -> FestivalPublic:
    """Move the confirmation deadline (organisers); a time in the past closes the round."""
    return actions.set_deadline(
        db=db, actor=actor, festival_id=fid, deadline=body.confirmation_deadline
    )


@router.get("/{fid}/capacity", response_model=CapacityPublic, responses=ERRORS)
def read_capacity(db: DbDep, actor: CurrentActor, fid: str) -> CapacityPublic:
    """The capacity check: demand against supply per town and industry, shortages in words."""
    report = actions.capacity(db=db, actor=actor, festival_id=fid)
    return CapacityPublic.model_validate(report.as_dict())


@router.get(
    "/{fid}/confirmations",
    response_model=ConfirmationsPublic,
    responses=ERRORS,
    operation_id="read_confirmations",
)
def read_confirmations(db: DbDep, actor: CurrentActor, fid: str) -> ConfirmationsPublic:
    """How many sessions each town confirmed, declined, or has yet to decide (a coordinator
    sees only its own town)."""
    found = actions.confirmations(db=db, actor=actor, festival_id=fid)
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
        for x in found.lines
    ]
    return ConfirmationsPublic(
        festival=fid,
        confirmation_deadline=found.festival.confirmation_deadline,
        data=data,
        count=len(data),
    )


@router.post(
    "/{fid}/plan",
    response_model=PlanRunPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses=ERRORS
    | {409: {"model": PlanConflictPublic, "description": "a plan of this festival is running"}},
    operation_id="launch_plan",
)
def launch_plan(
    db: DbDep,
    engine: EngineDep,
    actor: CurrentActor,
    fid: str,
    body: PlanRequest | None = None,
) -> Any:
    """Start planning (or re-planning) the stored festival; follow the job's route.  While a
    job of the festival is under way, another request answers 409 naming it."""
    launcher = prefect_jobs.get_launcher()
    try:
        job = request_plan(
            db=db,
            actor=actor,
            festival_id=fid,
            time_limit=(body or PlanRequest()).time_limit,
            runner=launcher.name,
        )
    except PlanJobRunning as exc:
        return JSONResponse(
            PlanConflictPublic(
                message=exc.message, field="fid", job=exc.details["job"]
            ).model_dump(),
            status_code=409,
        )
    flow_run_id = launcher.start(engine=engine, job=job)
    # the job as it was accepted, with the flow run that will run it (if any)
    return PlanRunPublic.of(job).model_copy(update={"flow_run_id": flow_run_id})


@router.get(
    "/{fid}/schedule",
    response_model=ScheduleDocument,
    responses=ERRORS,
    operation_id="read_schedule",
)
def read_schedule(
    db: DbDep,
    actor: CurrentActor,
    fid: str,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> JSONResponse:
    """A released schedule version (the current one by default) as its `citylive/schedule@1`
    document: sessions, what could not be placed and why, the figures, and what other fairness
    settings would have given (`tradeoffs`).  Organisers."""
    document = released_schedule(db=db, actor=actor, festival_id=fid, version=version)
    # the document's one dump, as the schedule file writes it (no second validation)
    return JSONResponse(document.dump())


@router.get("/{fid}/plan/{run_id}", response_model=PlanRunPublic, responses=ERRORS)
def read_plan_run(db: DbDep, actor: CurrentActor, fid: str, run_id: str) -> PlanRunPublic:
    """How a planning job goes (it survives a restart of the server); once completed, the plan
    in words (`readout`): each town's table, every unplaced request and why, the terms."""
    job = PlanRunPublic.of(plan_job(db=db, actor=actor, festival_id=fid, job_id=run_id))
    if job.status == "completed" and job.version:
        job.readout = plan_readout(db=db, actor=actor, festival_id=fid, version=job.version)
    return job
