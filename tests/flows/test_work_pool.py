"""The work pool's base job template (prefect-work-pool.json): a flow run may name and label
its process, never replace the command a worker starts or its environment."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group("prefect")
TEMPLATE = json.loads((ROOT / "prefect-work-pool.json").read_text(encoding="utf-8"))


def _check(job_variables: dict) -> None:
    # what the Prefect server runs on every create_flow_run of a deployment
    from prefect.utilities.schema_tools import validate

    validate(
        job_variables,
        TEMPLATE["variables"],
        raise_on_error=True,
        preprocess=True,
        ignore_required=False,
        allow_none_with_default=True,
    )


@pytest.mark.parametrize(
    "job_variables",
    [
        {"command": "sh -c 'id > /tmp/x'"},
        {"env": {"PATH": "/tmp"}},
        {"env.PYTHONPATH": "/tmp"},
        {"working_dir": "/tmp"},
    ],
)
def test_work_pool_template_refuses_command_and_environment(job_variables: dict) -> None:
    from prefect.utilities.schema_tools import ValidationError

    with pytest.raises(ValidationError, match="Additional properties are not allowed"):
        _check(job_variables)


def test_work_pool_template_keeps_the_workers_own_command(prefect_server: str) -> None:
    from prefect.workers.process import ProcessJobConfiguration

    _check({"name": "night run", "labels": {"team": "sales"}, "stream_output": False})
    config = asyncio.run(ProcessJobConfiguration.from_template_and_values(TEMPLATE, {}))
    assert (config.command, config.env, config.working_dir) == (None, {}, None)
    assert sorted(TEMPLATE["variables"]["properties"]) == ["labels", "name", "stream_output"]
