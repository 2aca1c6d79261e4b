"""examples/full.yaml uses every key of the format, and docs/festival-file.md shows each."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from citylive.festival import DEFAULT_WEIGHTS, FestivalDocument, load_festival
from citylive.festival.places import _model_of

ROOT = Path(__file__).resolve().parents[2]
FULL = ROOT / "examples" / "full.yaml"
DOC = ROOT / "docs" / "festival-file.md"


def _keys(model: type[BaseModel], data: Any, where: str) -> set[str]:
    """Every `where.key` of the model (recursing into its sub-models) that `data` lacks."""
    items = data if isinstance(data, list) else [data]
    missing = set()
    for name, field in model.model_fields.items():
        values = [x[name] for x in items if isinstance(x, dict) and name in x]
        if not values:
            missing.add(f"{where}.{name}")
            continue
        sub = _model_of(field.annotation)
        if sub is not None:
            flat = [v for x in values for v in (x if isinstance(x, list) else [x])]
            missing |= _keys(sub, flat, f"{where}.{name}")
    return missing


def test_full_example_valid_and_uses_every_key() -> None:
    f = load_festival(FULL)
    assert (len(f.towns), len(f.enterprises), len(f.streamers), len(f.themes)) == (4, 5, 4, 1)
    data = yaml.load(FULL.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert _keys(FestivalDocument, data, "") == set()
    assert set(data["weights"]) == set(DEFAULT_WEIGHTS)


def test_festival_file_doc_names_every_key() -> None:
    text = DOC.read_text(encoding="utf-8")
    shown = set(re.findall(r"([a-z_]+):", text))
    names: set[str] = set()

    def walk(model: type[BaseModel]) -> None:
        for name, field in model.model_fields.items():
            names.add(name)
            sub = _model_of(field.annotation)
            if sub is not None:
                walk(sub)

    walk(FestivalDocument)
    assert sorted(names - shown) == []
    assert sorted(set(DEFAULT_WEIGHTS) - shown) == []
