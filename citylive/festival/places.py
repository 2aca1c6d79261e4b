"""Places in a festival file that a person can find: the item's id and the file's line.

An error names its place as a path (`enterprises[37].platforms[1]`); here the path gains the
id of the item it sits in and the line where it is written:
`enterprises[37] (id: foshan-e37, line 412).platforms[1]`.  Lines come from the YAML
composer's marks (JSON is YAML for this purpose), and only on the error path: a file that
validates is never composed twice.  Unknown keys get the field names the schema knows at
that place, for a "did you mean".
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from citylive.festival.schema import FestivalDocument

ITEM_LISTS = ("towns", "industries", "venues", "enterprises", "streamers", "themes")
Path = tuple[str | int, ...]
_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")
_PLACE = re.compile(r"^([A-Za-z_][\w-]*(?:\[\d+\]|\.[^\s:.\[\]]+)*)(?=: )")


def line_map(text: str) -> dict[Path, int]:
    """Each path of the document (mapping keys and list items) to its 1-based line; empty
    when the text does not compose (the error then says where it broke on its own)."""
    try:
        node = yaml.compose(text.removeprefix("\ufeff"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return {}
    lines: dict[Path, int] = {}
    stack: list[tuple[Path, yaml.Node]] = [((), node)] if node is not None else []
    while stack:
        path, n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                if isinstance(key, yaml.ScalarNode):
                    sub = (*path, str(key.value))
                    lines[sub] = key.start_mark.line + 1
                    stack.append((sub, value))
        elif isinstance(n, yaml.SequenceNode):
            for i, value in enumerate(n.value):
                lines[(*path, i)] = value.start_mark.line + 1
                stack.append(((*path, i), value))
    return lines


def parse_place(place: str) -> Path:
    return tuple(
        int(m[2]) if m[2] is not None else m[1] for m in _STEP.finditer(place) if m[0] != "."
    )


def _line_of(path: Path, lines: dict[Path, Any]) -> str | None:
    """`line 412` in a text file, the cell (`企业!D38`) in a workbook."""
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            found = lines[path[:end]]
            return f"line {found}" if isinstance(found, int) else str(found)
    return None


def _item_id(data: Any, path: Path) -> str | None:
    try:
        item = data[path[0]][path[1]]
    except (KeyError, IndexError, TypeError):
        return None
    value = item.get("id") if isinstance(item, dict) else None
    return None if value is None or isinstance(value, dict | list) else str(value)


def with_ids_and_lines(errors: list[str], data: Any, lines: dict[Path, Any]) -> list[str]:
    """Every error whose place is a path of the file, with its item's id and its line (or,
    for a workbook, its cell: `企业!D38`)."""
    return [_decorate(e, data, lines) for e in errors]


def _decorate(error: str, data: Any, lines: dict[Path, Any]) -> str:
    m = _PLACE.match(error)
    if not m:
        return error
    place = m[1]
    path = parse_place(place)
    if not path:
        return error
    line = _line_of(path, lines)
    if len(path) >= 2 and path[0] in ITEM_LISTS and isinstance(path[1], int):
        head = f"{path[0]}[{path[1]}]"
        notes = []
        item_id = _item_id(data, path)
        if item_id is not None:
            notes.append(f"id: {item_id}")
        if line is not None:
            notes.append(line)
        if not notes:
            return error
        return f"{head} ({', '.join(notes)}){place[len(head) :]}{error[len(place) :]}"
    if line is None:
        return error
    return f"{place} ({line}){error[len(place) :]}"


# --------------------------------------------------------------------------- known keys
def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The field names the schema allows in the mapping at `loc` (the path of an unknown
    key without the key itself)."""
    model: type[BaseModel] | None = FestivalDocument
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(str(part))
        model = _model_of(field.annotation) if field is not None else None
    return list(model.model_fields) if model is not None else []


def place(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def suggest(value: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def schema_errors(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = place(err["loc"])
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if err["type"] == "missing":
            msg = "missing; this field is required"
        elif err["type"] == "extra_forbidden":
            key = str(err["loc"][-1]) if err["loc"] else ""
            known = known_keys(err["loc"][:-1])
            msg = f"unknown field{suggest(key, known)}"
            if known and not suggest(key, known):
                msg += f"; known: {', '.join(known)}"
        elif err["type"] == "int_parsing_size":
            msg = "the number is far too large for this field"
        elif err["type"] == "date_from_datetime_parsing" or err["type"].startswith("date_"):
            msg = f"{str(err.get('input'))[:40]!r} is not a date; write it as YYYY-MM-DD"
        out.append(f"{loc}: {msg}")
    return out
