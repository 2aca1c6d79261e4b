"""Stateful property tests (schemathesis): sequences of calls that follow the API's OpenAPI
links — import a festival, read its sessions, confirm or decline them, move its deadline,
plan it and follow the job — with generated values in and out of the schema (huge numbers,
odd strings).  Whatever the sequence, no answer is a server error, and the answers of this
part's routes match their declared shapes and status codes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session
from support.factories import bound_app, seed_small, token

from api import prefect_jobs
from api.main import app
from citylive.db import init_db, make_engine

OWN_TAGS = {"festivals", "sessions", "exports", "tokens"}


class RecordOnly:
    """The jobs are recorded, never run (a solver per step would take minutes)."""

    name = "test"

    def start(self, *, engine: object, job: object) -> None:
        pass


def _workflow(tmp_path: Path, role: str) -> Any:
    path = tmp_path / "stateful.db"
    eng = make_engine(f"sqlite:///{path}")
    init_db(eng)
    with Session(eng, expire_on_commit=False) as db:
        seed_small(db)
        value = (
            token(db, "organiser") if role == "organiser" else token(db, "coordinator", "guzhen")
        )
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    base = schema.as_state_machine()
    headers = {"Authorization": f"Bearer {value}"}

    class Workflow(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            tags = set(case.operation.definition.raw.get("tags", []))
            checks = (
                [not_a_server_error, response_schema_conformance, status_code_conformance]
                if tags & OWN_TAGS
                else [not_a_server_error]
            )
            case.validate_response(response, checks=checks)

    return Workflow, eng


@pytest.mark.parametrize("role", ["organiser", "coordinator"])
def test_call_sequences_never_answer_5xx(
    role: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow, eng = _workflow(tmp_path, role)
    prefect_jobs.set_launcher(RecordOnly())
    try:
        with bound_app(eng):
            workflow.run(
                settings=settings(
                    max_examples=25,
                    stateful_step_count=6,
                    derandomize=True,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                )
            )
    finally:
        prefect_jobs.set_launcher(None)
        eng.dispose()
        shutil.rmtree(tmp_path, ignore_errors=True)
