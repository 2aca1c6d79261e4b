"""CityLive installs as a wheel: templates, migrations, the Alembic configuration and the
example festival are package data, so the built wheel, installed into a fresh virtualenv
outside the checkout, runs the whole demo from another folder."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_of_the_checkout_is_listed() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("citylive", "models", "flows", "api", "demo")
        for init in (ROOT / top).rglob("__init__.py")
    }
    mapped = {"citylive.templates", "citylive.migrations", "citylive.examples"}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert mapped <= listed


@pytest.mark.packaging
def test_built_wheel_runs_the_demo_from_another_folder(tmp_path: Path) -> None:
    dist, venv, elsewhere = tmp_path / "dist", tmp_path / "venv", tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYLIVE_", "PREFECT_"))}
    env.pop("VIRTUAL_ENV", None)

    def run(*cmd: str | Path, cwd: Path = tmp_path, timeout: float = 900) -> str:
        done = subprocess.run(
            [str(c) for c in cmd],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{cmd}: {done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout + done.stderr

    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, ROOT)
    (wheel,) = dist.glob("citylive-*.whl")
    run(sys.executable, "-m", "venv", venv)
    run(venv / "bin" / "python", "-m", "pip", "install", "-q", f"citylive[demo] @ {wheel.as_uri()}")
    # nothing of the checkout is importable from there: the installed package is what runs
    where = run(
        venv / "bin" / "python",
        "-c",
        "import citylive, demo, importlib.resources as r; print(citylive.__file__); "
        "print(r.files('citylive.migrations'))",
        cwd=elsewhere,
    )
    assert str(ROOT) not in where and str(venv) in where
    out = run(venv / "bin" / "citylive", "demo", "--time-limit", "4", cwd=elsewhere)
    assert "Traceback" not in out and "ERROR" not in out
    assert "What happened" in out and "Done in" in out
    report = next((elsewhere / ".citylive" / "demo" / "reports").rglob("report.html"))
    assert "销售总结报告" in report.read_text(encoding="utf-8")
