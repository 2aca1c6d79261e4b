"""Regenerate the initial migration from models/ (while no database has been released).

python migrations/regenerate.py
"""

import tempfile
from pathlib import Path

from alembic import command

from citylive.db import alembic_config

versions = Path(__file__).parent / "versions"
for old in versions.glob("0001_*.py"):
    old.unlink()
with tempfile.TemporaryDirectory() as tmp:
    cfg = alembic_config(f"sqlite:///{tmp}/empty.db")
    command.revision(cfg, message="initial", autogenerate=True, rev_id="0001")
print("wrote", *sorted(p.name for p in versions.glob("0001_*.py")))
