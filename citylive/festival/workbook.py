"""The festival as an Excel workbook, for organisers who live in Excel: the same
`citylive/festival@1` content as the YAML file, one sheet per list, Chinese headers (the key
after a space: `编号 id`), drop-downs for ids, and a note on every header.

    write_workbook(data) -> bytes      a festival document (or the empty template) as .xlsx
    read_workbook(path)  -> (data, places)
                                       the document, and each path's cell (`企业!D38`) so
                                       that errors name the cell to fix

In a cell, a list is written `a, b, c` and a mapping `douyin: 店铺A; taobao: 店铺B`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from citylive.festival.schema import DEFAULT_WEIGHTS, FORMAT

Places = dict[tuple[str | int, ...], str]
MAX_ROWS = 5000  # rows a drop-down reaches


@dataclass(frozen=True)
class Col:
    key: str
    zh: str
    kind: str = "text"  # text | int | number | list | map
    note: str = ""
    choices: str | None = None  # a sheet whose ids the cell picks from, or "a,b" values


LIST_SHEETS: dict[str, tuple[str, tuple[Col, ...]]] = {
    "towns": (
        "镇街",
        (
            Col("id", "编号", note="镇街编号，如 shaxi；全表唯一"),
            Col("name", "名称", note="如 沙溪镇"),
            Col("neighbours", "相邻镇街", "list", "相邻镇街的编号，逗号分隔；双向生效"),
        ),
    ),
    "districts": (
        "片区",
        (
            Col("id", "编号"),
            Col("name", "名称"),
            Col("towns", "所辖镇街", "list", "镇街编号，逗号分隔"),
        ),
    ),
    "industries": ("行业", (Col("id", "编号", note="如 lighting"), Col("name", "名称"))),
    "venues": (
        "会场",
        (
            Col("id", "编号"),
            Col("name", "名称"),
            Col(
                "kind",
                "类型",
                note="main 主会场（仅一个）、sub 镇街分会场、district 片区分会场、own 企业自有直播间",
                choices="main,sub,district,own",
            ),
            Col("town", "所在镇街", choices="镇街"),
            Col("district", "所属片区", note="片区分会场填片区编号", choices="片区"),
            Col("enterprise", "所属企业", note="企业自有直播间填企业编号", choices="企业"),
            Col("studios", "直播间数", "int"),
            Col("closed", "关闭时段", "list", "日期 2020-06-06 或时段 2020-06-06T10:00，逗号分隔"),
        ),
    ),
    "enterprises": (
        "企业",
        (
            Col("id", "编号"),
            Col("name", "名称"),
            Col("town", "所在镇街", choices="镇街"),
            Col("industry", "行业", choices="行业"),
            Col("sessions", "申请场次", "int", "整个活动期间申请的场次数"),
            Col("skus", "可播商品数", "int", "可直播的商品款数"),
            Col("platforms", "平台", "list", "逗号分隔，如 douyin, taobao"),
            Col("expected_gmv", "每场预估成交额", "int", "元/场"),
            Col("unavailable", "不可用时段", "list", "日期或时段，逗号分隔"),
            Col("shops", "店铺", "map", "平台: 店铺名; 平台: 店铺名"),
        ),
    ),
    "streamers": (
        "主播",
        (
            Col("id", "编号"),
            Col("name", "名称"),
            Col("agency", "机构", note="可空"),
            Col("town", "常驻镇街", choices="镇街"),
            Col("industries", "擅长行业", "list", "行业编号，逗号分隔"),
            Col("platforms", "平台", "list"),
            Col("max_sessions_per_day", "每日场次上限", "int"),
            Col("unavailable", "不可用时段", "list"),
            Col("employer", "所属企业", note="企业自有主播填企业编号，否则留空", choices="企业"),
            Col("accounts", "账号", "map", "平台: 账号; 平台: 账号"),
            Col("role", "身份", note="如 town-leader（镇长代言），可空"),
        ),
    ),
    "themes": (
        "主题",
        (
            Col("id", "编号"),
            Col("name", "名称"),
            Col("industries", "行业", "list"),
            Col("slots", "时段", "list", "主会场的时段 2020-06-06T19:00，逗号分隔"),
            Col("studios", "占用直播间", "int"),
        ),
    ),
}
FESTIVAL_SHEET = "活动"
# the festival sheet: one row per setting, `section.key` for nested ones
SETTINGS: tuple[Col, ...] = (
    Col("festival.id", "活动编号", note="a-z、0-9、-"),
    Col("festival.name", "活动名称"),
    Col("festival.timezone", "时区", note="如 Asia/Shanghai"),
    Col("festival.days", "活动日期", "list", "2020-06-06, 2020-06-07"),
    Col("festival.slots", "时段", "list", "10:00-12:00, 19:00-21:00（每天相同）"),
    Col("festival.prime_slots", "黄金时段", "list", "时段开始时间，如 19:00, 21:00"),
    Col("festival.min_skus_per_session", "每场最少商品数", "int"),
    Col("festival.confirmation_deadline", "确认截止", note="2020-06-05T18:00（当地时间）"),
    Col("festival.silence", "逾期未答复", note="decline 视为拒绝，remind 只提醒",
        choices="decline,remind"),
    Col("festival.reminder_minutes", "提前提醒分钟", "int"),
    Col("festival.portal_url", "门户地址"),
    Col("festival.late_after_minutes", "迟到判定分钟", "int", "开播时间过后多少分钟未开播算迟到，默认 10"),
    Col("platforms", "平台", "list", "douyin, taobao, jd, pdd, 1688, kuaishou"),
    Col("fairness.min_share", "各镇街最低比例", "number", "0 到 1，如 0.5"),
    Col("sales_windows.before_days", "节前对比天数", "int"),
    Col("sales_windows.after_days", "节后对比天数", "int"),
    *(Col(f"weights.{k}", f"权重 {k}", "int", f"默认 {v}") for k, v in DEFAULT_WEIGHTS.items()),
)  # fmt: skip
# collective stores: one row per product of a store, the store's own columns repeated
STORE_SHEET = "联合店铺"
STORE_COLS: tuple[Col, ...] = (
    Col("id", "店铺编号", note="联合店铺的编号（不与企业编号相同）；同一店铺的商品各占一行"),
    Col("platform", "平台"),
    Col("shop", "店铺名称", note="导出文件中的店铺名称"),
    Col("enterprise", "商品所属企业", choices="企业"),
    Col("ids", "商品ID", "list", "逗号分隔"),
    Col("title_prefix", "标题前缀", note="商品标题以此开头的归该企业"),
)
STORE_KEYS = ("id", "platform", "shop")
HEAD = Font(bold=True, color="FFFFFF")
FILL = PatternFill("solid", fgColor="9B2335")


# --------------------------------------------------------------------------- writing
def _cell(value: Any, kind: str) -> Any:
    if value is None or value == [] or value == {}:
        return None
    if kind == "list":
        return ", ".join(str(x) for x in value)
    if kind == "map":
        return "; ".join(
            f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items()
        )
    return value if kind in ("int", "number") else str(value)


def _get(data: dict, dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if dotted == "festival.slots" and isinstance(node, list):
        return [f"{x['start']}-{x['end']}" if isinstance(x, dict) else x for x in node]
    return node


def _put(ws: Any, row: int, column: int, value: Any) -> None:
    """A cell; text stays text (a name starting with `=` is never a formula)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"


def _header(ws: Any, col: int, text: str, note: str) -> None:
    cell = ws.cell(row=1, column=col, value=text)
    cell.font, cell.fill = HEAD, FILL
    if note:
        cell.comment = Comment(note, "CityLive")
    ws.column_dimensions[get_column_letter(col)].width = max(12, len(text) * 2)


def _dropdown(ws: Any, column: int, choices: str) -> None:
    if choices in {s for s, _c in LIST_SHEETS.values()}:
        formula = f"'{choices}'!$A$2:$A${MAX_ROWS}"
    else:
        formula = f'"{choices}"'
    dv = DataValidation(type="list", formula1=formula, allow_blank=True)
    letter = get_column_letter(column)
    dv.add(f"{letter}2:{letter}{MAX_ROWS}")
    ws.add_data_validation(dv)


def _write_stores(wb: Any, stores: list[dict[str, Any]]) -> None:
    sheet = wb.create_sheet(STORE_SHEET)
    for j, col in enumerate(STORE_COLS, start=1):
        _header(sheet, j, f"{col.zh} {col.key}", col.note)
        if col.choices:
            _dropdown(sheet, j, col.choices)
    rows = [{**{k: st.get(k) for k in STORE_KEYS}, **p} for st in stores for p in st["products"]]
    for r, item in enumerate(rows, start=2):
        for j, c in enumerate(STORE_COLS, start=1):
            _put(sheet, r, j, _cell(item.get(c.key), c.kind))
    sheet.freeze_panes = "A2"


def write_workbook(data: dict[str, Any] | None = None) -> bytes:
    """The festival `data` (a `citylive/festival@1` document) as a workbook; without data, the
    empty template with every header, note and drop-down."""
    data = data or {}
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = FESTIVAL_SHEET
    _header(ws, 1, "项目 key", "每行一项设置；只改 B 列")
    _header(ws, 2, "值 value", "列表用逗号分隔")
    _header(ws, 3, "说明 note", "")
    for i, col in enumerate(SETTINGS, start=2):
        _put(ws, i, 1, f"{col.zh} {col.key}")
        _put(ws, i, 2, _cell(_get(data, col.key), col.kind))
        _put(ws, i, 3, col.note)
        if col.choices:
            dv = DataValidation(type="list", formula1=f'"{col.choices}"', allow_blank=True)
            dv.add(f"B{i}")
            ws.add_data_validation(dv)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 34, 40
    for key, (name, cols) in LIST_SHEETS.items():
        sheet = wb.create_sheet(name)
        for j, col in enumerate(cols, start=1):
            _header(sheet, j, f"{col.zh} {col.key}", col.note)
            if col.choices:
                _dropdown(sheet, j, col.choices)
        for r, item in enumerate(data.get(key) or [], start=2):
            for j, c in enumerate(cols, start=1):
                _put(sheet, r, j, _cell(item.get(c.key), c.kind))
        sheet.freeze_panes = "A2"
    _write_stores(wb, data.get("collective_stores") or [])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- reading
def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%dT%H:%M") if value.time() != time() else value.date().isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _parse(value: Any, kind: str) -> Any:
    if kind in ("int", "number") and isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if kind == "int" and float(value).is_integer() else value
    text = _text(value)
    if text is None:
        return None
    if kind == "list":
        return [x.strip() for x in text.replace("，", ",").split(",") if x.strip()]
    if kind == "map":
        out: dict[str, Any] = {}
        for part in text.replace("；", ";").split(";"):
            if ":" in part:
                k, v = part.split(":", 1)
                items = [x.strip() for x in v.split(",") if x.strip()]
                out[k.strip()] = items[0] if len(items) == 1 else items
        return out
    if kind in ("int", "number"):
        try:
            return int(text) if kind == "int" else float(text)
        except ValueError:
            return text  # the schema says what is wrong, at this cell
    return text


def _key_of(header: Any) -> str | None:
    text = _text(header)
    return text.split()[-1] if text else None


def _read_settings(ws: Any, data: dict[str, Any], places: Places) -> None:
    known = {c.key: c for c in SETTINGS}
    for row in ws.iter_rows(min_row=2):
        key = _key_of(row[0].value)
        if key is None or len(row) < 2:
            continue
        col = known.get(key, Col(key, key))
        value = _parse(row[1].value, col.kind)
        if value is None:
            continue
        parts = key.split(".")
        node = data
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
        places[tuple(parts)] = f"{FESTIVAL_SHEET}!B{row[1].row}"
    if "festival" in data and "slots" in data["festival"]:
        data["festival"]["slots"] = [_slot(s) for s in data["festival"]["slots"]]


def _slot(text: str) -> Any:
    start, _, end = text.partition("-")
    return {"start": start.strip(), "end": end.strip()} if end else text


def _read_list(ws: Any, key: str, cols: tuple[Col, ...], data: dict, places: Places) -> None:
    header = [_key_of(c.value) for c in ws[1]]
    by_key = {c.key: c for c in cols}
    items: list[dict[str, Any]] = []
    for row in ws.iter_rows(min_row=2):
        item: dict[str, Any] = {}
        cells: dict[str, str] = {}
        for cell, name in zip(row, header, strict=False):
            if name is None:
                continue
            value = _parse(cell.value, by_key.get(name, Col(name, name)).kind)
            if value is not None:
                item[name] = value
                cells[name] = f"{ws.title}!{cell.coordinate}"
        if not item:
            continue
        i = len(items)
        places[(key, i)] = f"{ws.title}!A{row[0].row}"
        for name, ref in cells.items():
            places[(key, i, name)] = ref
        items.append(item)
    if items:
        data[key] = items


def read_workbook(path: str | Path) -> tuple[dict[str, Any], Places]:
    """The festival document a workbook holds, and the cell of each of its places."""
    wb = load_workbook(path, read_only=False, data_only=True)
    data: dict[str, Any] = {"format": FORMAT}
    places: Places = {}
    if FESTIVAL_SHEET in wb.sheetnames:
        _read_settings(wb[FESTIVAL_SHEET], data, places)
    for key, (name, cols) in LIST_SHEETS.items():
        if name in wb.sheetnames:
            _read_list(wb[name], key, cols, data, places)
    if STORE_SHEET in wb.sheetnames:
        _read_stores(wb[STORE_SHEET], data, places)
    return data, places


def _read_stores(ws: Any, data: dict[str, Any], places: Places) -> None:
    """The product rows grouped back into their stores, in the order each store first shows."""
    rows: dict[str, Any] = {}
    row_places: Places = {}
    _read_list(ws, "rows", STORE_COLS, rows, row_places)
    stores: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows.get("rows", [])):
        store_id = row.get("id", "")
        if store_id not in stores:
            places[("collective_stores", len(stores))] = row_places[("rows", i)]
            stores[store_id] = {k: row[k] for k in STORE_KEYS if k in row} | {"products": []}
        product = {k: v for k, v in row.items() if k not in STORE_KEYS}
        stores[store_id]["products"].append(product)
    if stores:
        data["collective_stores"] = list(stores.values())
