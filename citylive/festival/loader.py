"""Reading festival files: YAML or JSON text into a validated `Festival`, within limits.

Nothing is written anywhere here: a caller stores a festival only after it loaded.  Every
error found is reported at once (`FestivalFileError.errors`), each naming its place.

The reader refuses, before building anything large: a file over `festival_max_bytes`,
nesting deeper than `festival_max_depth`, and YAML whose anchors and aliases would expand to
more than `festival_max_nodes` values (a 3 KB "billion laughs" file must not become a
150 MB festival).  The limits are settings (docs/security.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from citylive.config import get_settings
from citylive.errors import Invalid, TooLarge
from citylive.festival.lookups import Festival
from citylive.festival.places import line_map, schema_errors, with_ids_and_lines
from citylive.festival.schema import FORMAT, FestivalDocument
from citylive.festival.validation import check_document, checks_of_the_rest


class FestivalFileError(Invalid):
    """A festival file that cannot be used; `errors` lists every problem with its place."""

    def __init__(self, source: str, errors: list[str], more: str | None = None):
        self.source = source
        self.errors = errors
        self.more = more  # when some checks could not run yet: what to expect
        super().__init__(
            f"{source}: {len(errors)} error(s)\n"
            + "\n".join(errors)
            + (f"\n{more}" if more else "")
        )

    def __str__(self) -> str:
        return self.message


class _TooBig(Exception):
    pass


# --------------------------------------------------------------------------- YAML
class _FestivalLoader(yaml.SafeLoader):
    """YAML 1.1 with its traps disarmed, and a depth limit while composing.

    PyYAML's safe loader reads `10:00` as the sexagesimal integer 600 and `2020-06-06` as a
    date.  Here both stay strings, exactly as written, and the schema parses them; so an
    unquoted time is read as the user meant instead of as silently wrong data.
    """

    max_depth = 32

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                mark = self.peek_event().start_mark
                raise _TooBig(
                    f"{mark.line + 1}:{mark.column + 1}: nested deeper than {self.max_depth} "
                    "levels; a festival file is a few levels deep"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_FestivalLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_INT_NO_SEXAGESIMAL = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_FLOAT_NO_SEXAGESIMAL = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
for _key, _resolvers in list(_FestivalLoader.yaml_implicit_resolvers.items()):
    _FestivalLoader.yaml_implicit_resolvers[_key] = [
        (
            tag,
            _INT_NO_SEXAGESIMAL
            if tag == "tag:yaml.org,2002:int"
            else _FLOAT_NO_SEXAGESIMAL
            if tag == "tag:yaml.org,2002:float"
            else regexp,
        )
        for tag, regexp in _resolvers
    ]


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """How many values the node graph becomes once every alias is expanded (stops past
    `limit`); a recursive alias is refused."""
    sizes: dict[int, int] = {}
    busy: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        kids: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            kids = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            kids = list(node.value)
        if children_done:
            busy.discard(key)
            total = 1 + sum(sizes[id(k)] for k in kids)
            sizes[key] = min(total, limit + 1)
            continue
        if key in busy:
            raise _TooBig("an alias refers to the mapping or list it stands in; remove the loop")
        busy.add(key)
        stack.append((node, True))
        for kid in kids:
            if id(kid) in busy:
                raise _TooBig(
                    "an alias refers to the mapping or list it stands in; remove the loop"
                )
            if id(kid) not in sizes:
                stack.append((kid, False))
    return sizes[id(root)]


def _load_yaml(text: str, max_depth: int, max_nodes: int) -> Any:
    loader = _FestivalLoader(text)
    loader.max_depth = max_depth
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, max_nodes)
        if size > max_nodes:
            raise _TooBig(
                f"its anchors and aliases expand to more than {max_nodes:,} values; "
                "write the file without deeply repeated aliases"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


# --------------------------------------------------------------------------- JSON
def _check_shape(data: Any, max_depth: int, max_nodes: int) -> None:
    """Depth and size of parsed JSON, without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    seen = 0
    while stack:
        value, depth = stack.pop()
        seen += 1
        if depth > max_depth:
            raise _TooBig(f"nested deeper than {max_depth} levels; a festival file is a few")
        if seen > max_nodes:
            raise _TooBig(f"more than {max_nodes:,} values")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _load_json(text: str, max_depth: int, max_nodes: int) -> Any:
    try:
        data = json.loads(text)
    except RecursionError:
        raise _TooBig(f"nested deeper than {max_depth} levels; a festival file is a few") from None
    _check_shape(data, max_depth, max_nodes)
    return data


# --------------------------------------------------------------------------- reading
def parse_text(text: str, source: str) -> Any:
    """YAML or JSON text into plain data, within the limits; FestivalFileError otherwise."""
    settings = get_settings()
    if text.startswith("\ufeff"):
        text = text[1:]
    if len(text.encode("utf-8", "surrogatepass")) > settings.festival_max_bytes:
        raise FestivalFileError(
            source,
            [
                f"{source}: larger than {settings.festival_max_bytes:,} bytes "
                "(CITYLIVE_FESTIVAL_MAX_BYTES); split the festival or raise the limit"
            ],
        )
    if not text.strip():
        raise FestivalFileError(
            source, [f"{source}: the file is empty; write a `{FORMAT}` festival file"]
        )
    depth, nodes = settings.festival_max_depth, settings.festival_max_nodes
    stripped = text.lstrip()
    try:
        if stripped.startswith("{") or stripped.startswith("["):
            try:
                return _load_json(text, depth, nodes)
            except json.JSONDecodeError as exc:
                raise FestivalFileError(
                    source, [f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"]
                ) from None
        try:
            return _load_yaml(text, depth, nodes)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
            problem = getattr(exc, "problem", None) or str(exc)
            raise FestivalFileError(
                source, [f"{where}: not valid YAML or JSON: {problem}"]
            ) from None
    except _TooBig as exc:
        raise FestivalFileError(source, [f"{source}: {exc}"]) from None
    except RecursionError:
        raise FestivalFileError(
            source, [f"{source}: nested deeper than {depth} levels; a festival file is a few"]
        ) from None


def read_document(path: str | Path) -> Any:
    return parse_text(_read_text(path), str(path))


def _read_text(path: str | Path) -> str:
    p = Path(path)
    limit = get_settings().festival_max_bytes
    try:
        if p.stat().st_size > limit:
            raise FestivalFileError(
                str(path),
                [
                    f"{path}: larger than {limit:,} bytes (CITYLIVE_FESTIVAL_MAX_BYTES); "
                    "split the festival or raise the limit"
                ],
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise FestivalFileError(
            str(path), [f"{path}: cannot read the file: {exc.strerror}"]
        ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FestivalFileError(
            str(path),
            [f"{path}: not UTF-8 text (byte {exc.start}); save the festival file as UTF-8"],
        ) from None


def parse_festival(
    data: Any,
    source: str = "<festival>",
    text: str | None = None,
    places: dict[Any, str] | None = None,
) -> Festival:
    """Validate already-parsed data (a dict from YAML or JSON) into a `Festival`.  Given the
    file's `text` (or a workbook's cells, `places`), places in the errors carry the item's id
    and the file's line (or cell)."""
    try:
        return _parse_festival(data, source)
    except FestivalFileError as exc:
        if not isinstance(data, dict) or (text is None and places is None):
            raise
        lines: dict[Any, Any] = dict(places) if places is not None else line_map(text or "")
        raise FestivalFileError(
            source, with_ids_and_lines(exc.errors, data, lines), exc.more
        ) from None


def _parse_festival(data: Any, source: str) -> Festival:
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        raise FestivalFileError(
            source,
            [f"{source}: expected a `{FORMAT}` mapping at the top level, found {kind}"],
        )
    try:
        doc = FestivalDocument.model_validate(data)
    except ValidationError as exc:
        # the cross-references of the parts the schema took, beside the schema's own errors
        rest, more = checks_of_the_rest(data, exc)
        raise FestivalFileError(source, schema_errors(exc) + rest, more) from None
    except RecursionError:
        raise FestivalFileError(source, [f"{source}: nested too deep to read"]) from None
    errors = check_document(doc)
    if errors:
        raise FestivalFileError(source, errors)
    return Festival(doc=doc, source=source)


def load_festival(path: str | Path) -> Festival:
    """Read and validate a festival file (YAML or JSON, or a festival workbook .xlsx)."""
    if str(path).lower().endswith(".xlsx"):
        return _load_workbook(path)
    text = _read_text(path)
    return parse_festival(parse_text(text, str(path)), str(path), text)


def _load_workbook(path: str | Path) -> Festival:
    from citylive.festival.workbook import read_workbook
    from citylive.xlsx_archive import check_workbook

    limit = get_settings().festival_max_bytes
    try:
        # the archive checked before openpyxl opens it: no zip bomb, no entity expansion
        check_workbook(Path(path), max_bytes=limit * 4, max_cell_chars=100_000)
        data, places = read_workbook(path)
    except TooLarge:
        raise FestivalFileError(
            str(path), [f"{path}: the workbook unpacks to more than the festival file limit "
                        "(CITYLIVE_FESTIVAL_MAX_BYTES x 4); split the festival"]
        ) from None  # fmt: skip
    except Exception:  # noqa: BLE001 - openpyxl and the archive check raise many kinds
        raise FestivalFileError(
            str(path), [f"{path}: not a readable .xlsx workbook; save it from Excel as .xlsx "
                        "(`citylive workbook new` writes one to fill in)"]
        ) from None  # fmt: skip
    return parse_festival(data, str(path), places=places)


def load_festival_text(text: str, source: str = "<upload>") -> Festival:
    return parse_festival(parse_text(text, source), source, text)
