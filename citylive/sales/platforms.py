"""The platforms' order exports: the layouts the product reads, the names each column goes by,
and what their status values mean.  Header names are the ones the merchant back ends write
(Chinese); a platform may have several layouts (back ends change their exports over the years),
and a column may go by several names in one layout (aliases: the first present wins).

Headers are compared by `header_key`: folded (NFKC, case, invisible characters), without
spacing, with full-width brackets read as ASCII ones and a trailing `(元)` dropped, so
`用户实付金额（元）`, `用户实付金额(元)` and `用户实付金额` are one column.

Where each layout's names come from (public code reading the back ends' real exports) is
listed per layout in docs/sales.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache

from citylive.errors import Invalid
from citylive.folding import fold

Names = tuple[str, ...]


@lru_cache(maxsize=4096)
def header_key(name: str) -> str:
    """A header as compared: folded, no spacing, ASCII brackets, no trailing `(元)`."""
    text = fold(name.replace("\ufeff", ""))
    text = re.sub(r"\s+", "", text)
    text = text.replace("【", "[").replace("】", "]")
    return re.sub(r"\((元|人民币)\)$", "", text)


@dataclass(frozen=True)
class PlatformColumns:
    """One layout of one platform's export: the names each column the product reads goes by."""

    platform: str
    layout: str  # the layout's name, as the back end calls the export
    order_id: Names
    paid_at: Names  # first present wins (pdd: 支付时间 before 订单成交时间)
    amount: Names
    quantity: Names
    status: Names
    line_id: Names = ()  # absent -> one row per order, or one per item keyed by product
    after_sale: Names = ()
    refund: Names = ()
    streamer: Names = ()  # the selling account (达人ID, CPS达人ID)
    buyer: Names = ()
    note: Names = ()
    product_id: Names = ()
    product_title: Names = ()
    shop: Names = ()
    unit_price: Names = ()  # list price of one unit: weights a per-order amount over lines
    line_price: Names = ()  # list price of the line (单价 x 数量) where the file has it
    live_room: Names = ()  # whether the order was made in a live room
    channel: Names = ()  # where the sale came from (精选联盟, 分销: an affiliate's sale)
    per_order: bool = False  # the amount is the order's, repeated or merged over item rows

    @property
    def required(self) -> tuple[Names, ...]:
        return (self.order_id, self.paid_at, self.amount, self.quantity, self.status)

    @property
    def names(self) -> list[str]:
        """Every header name of the layout (for scoring a match)."""
        out: list[str] = []
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, tuple):
                out.extend(v)
        return out


_BUYER = ("买家昵称", "用户昵称", "下单用户", "买家会员名", "买家账号", "下单帐号", "下单账号")

LAYOUTS: list[PlatformColumns] = [
    PlatformColumns(
        "douyin",
        "抖店 订单导出",
        ("主订单编号",),
        ("支付完成时间", "支付时间"),
        ("订单应付金额",),
        ("商品数量",),
        ("订单状态",),
        line_id=("子订单编号",),
        after_sale=("售后状态",),
        streamer=("达人ID", "作者ID"),
        buyer=_BUYER,
        note=("商家备注",),
        product_id=("商品ID",),
        product_title=("选购商品", "商品名称"),
        shop=("店铺名称",),
        unit_price=("商品金额", "商品单价"),
        live_room=("流量体裁",),
        channel=("流量来源",),
    ),
    PlatformColumns(
        "taobao",
        "千牛 订单报表",
        ("订单编号",),
        ("订单付款时间", "付款时间"),
        ("买家实付金额",),
        ("宝贝总数量", "商品总数量"),
        ("订单状态",),
        refund=("退款金额",),
        buyer=_BUYER,
        note=("订单备注", "商家备注"),
        product_id=("商品ID", "宝贝ID"),
        product_title=("商品标题", "宝贝标题"),
        shop=("店铺名称", "店铺ID"),
        per_order=True,
    ),
    PlatformColumns(
        "taobao",
        "ExportOrderList",
        ("订单编号",),
        ("订单付款时间", "付款时间"),
        ("买家实际支付金额",),
        ("宝贝总数量",),
        ("订单状态",),
        refund=("退款金额",),
        buyer=_BUYER,
        note=("订单备注", "商家备注"),
        product_id=("宝贝ID", "商品ID"),
        product_title=("宝贝标题", "商品标题"),
        shop=("店铺名称",),
        per_order=True,
    ),
    PlatformColumns(
        "taobao",
        "订单明细",
        ("主订单编号", "订单编号"),
        ("订单付款时间", "付款时间"),
        ("买家实际支付金额", "买家实付金额"),
        ("购买数量",),
        ("订单状态",),
        line_id=("子订单编号",),
        after_sale=("退款状态",),
        refund=("退款金额",),
        buyer=_BUYER,
        note=("商家备注", "备注"),
        product_id=("商品ID", "宝贝ID"),
        product_title=("标题", "商品标题", "宝贝标题"),
        shop=("店铺名称",),
        unit_price=("价格", "商品价格"),
    ),
    PlatformColumns(
        "jd",
        "京东 订单导出",
        ("订单号",),
        ("付款确认时间",),
        ("应付金额",),
        ("订购数量",),
        ("订单状态",),
        buyer=_BUYER,
        note=("商家备注", "订单备注"),
        product_id=("商品ID", "商品编号"),
        product_title=("商品名称",),
        shop=("店铺名称",),
        unit_price=("京东价",),
        per_order=True,
    ),
    PlatformColumns(
        "pdd",
        "拼多多 订单导出",
        ("订单号",),
        ("支付时间", "订单成交时间"),
        ("用户实付金额(元)",),
        ("商品数量(件)",),
        ("订单状态",),
        after_sale=("售后状态",),
        buyer=_BUYER,
        note=("商家备注",),
        product_id=("商品id",),
        product_title=("商品", "商品名称"),
        shop=("店铺名称", "汇总_店铺名称"),
        line_price=("商品总价(元)",),
        live_room=("是否直播间成交",),
    ),
    PlatformColumns(
        "kuaishou",
        "快手小店 订单导出",
        ("订单号",),
        ("订单支付时间", "支付时间"),
        ("实付款",),
        ("成交数量", "商品数量"),
        ("订单状态",),
        after_sale=("售后状态",),
        streamer=("CPS达人ID", "达人ID", "主播ID"),
        buyer=_BUYER,
        note=("商家备注", "订单备注"),
        product_id=("商品ID",),
        product_title=("商品名称",),
        shop=("店铺名称",),
        unit_price=("成交单价", "商品单价"),
        live_room=("订单载体",),
        channel=("渠道",),
    ),
    PlatformColumns(
        "1688",
        "1688 订单导出",
        ("订单编号",),
        ("订单付款时间", "付款时间"),
        ("实付款(元)",),
        ("数量",),
        ("订单状态",),
        after_sale=("退货状态",),
        buyer=("买家会员名", "买家公司名"),
        note=("卖家备注", "商家备注"),
        product_id=("货品ID", "商品ID", "offerID"),
        product_title=("货品标题",),
        shop=("卖家公司名", "卖家会员名", "店铺名称"),
        unit_price=("单价(元)", "单价"),
        per_order=True,
    ),
]
PLATFORM_NAMES = tuple(dict.fromkeys(c.platform for c in LAYOUTS))
# The platform's first (current) layout: what messages and defaults name.
PLATFORMS: dict[str, PlatformColumns] = {}
for _c in LAYOUTS:
    PLATFORMS.setdefault(_c.platform, _c)

# Tmall's back end writes the same exports as Taobao's.
PLATFORM_ALIASES = {
    "tmall": "taobao",
    "tianmao": "taobao",
    "抖音": "douyin",
    "抖店": "douyin",
    "淘宝": "taobao",
    "天猫": "taobao",
    "京东": "jd",
    "拼多多": "pdd",
    "快手": "kuaishou",
}

# Order statuses (compared folded: `，` and `,` are one): the sale did not stand; it stands;
# not paid yet (stored, not a sale); the status itself says the money went back.
STATUS_NOT_STANDING = frozenset(
    {"已关闭", "交易关闭", "已取消", "订单关闭", "取消", "已作废", "已删除", "锁定", "订单取消"}
)
STATUS_STANDING = frozenset(
    {
        "已完成",
        "完成",
        "交易成功",
        "交易完成",
        "已发货",
        "待发货",
        "已签收",
        "待收货",
        "已收货",
        "卖家已发货",
        "买家已付款",
        "等待卖家发货",
        "等待买家确认收货",
        "买家已付款，等待卖家发货",
        "卖家已发货，等待买家确认",
        "卖家已发货，等待买家确认收货",
        "等待确认收货",
        "已支付",
        "已付款",
        "待评价",
        "部分发货",
        "待出库",
        "等待出库",
        "配送中",
        "待配送",
        "发货中",
        "已妥投",
        "等待发货",
        "已发货，待签收",
        "已签收待评价",
        "待确认收货",
        "交易成功(已评价)",
        "备货中",
        "已发货，待收货",
        "退款中",  # stands until the refund goes through; kept as written (a flag)
    }
)
STATUS_UNPAID = frozenset({"等待买家付款", "待付款", "待支付", "等待付款", "未付款", "待买家付款"})
STATUS_REFUNDED = frozenset(
    {"未发货，退款成功", "已发货，退款成功", "退款成功", "已退款", "交易关闭(退款)"}
)
# After-sale values that mean a refund went through; anything else leaves the sale standing.
AFTER_SALE_REFUNDED = frozenset(
    {"退款成功", "已退款", "售后完成", "退货退款成功", "退款完成", "仅退款成功", "退款关闭(已退款)"}
)
# A refund-money cell that says there was no refund.
NO_REFUND = frozenset({"", "-", "--", "无退款申请", "无退款", "无", "0"})
# The live-room column: these values say the order was made in a live room.
LIVE_ROOM_YES = frozenset({"是", "直播", "直播间", "直播间成交", "live"})
# The channel column: these values (contained) say an affiliate sold the line.
AFFILIATE_MARKS = ("联盟", "分销", "达人带货")  # 联盟: 精选联盟, 联盟推广


@lru_cache(maxsize=4096)
def status_kind(status: str) -> str | None:
    """'stands', 'not', 'unpaid', 'refunded' or None (unknown) for an order status."""
    key = fold(status)
    if key.startswith("(删除)"):
        return "not"  # jd: an order deleted from the back end
    for kind, known in (
        ("stands", _STANDING_KEYS),
        ("not", _NOT_KEYS),
        ("unpaid", _UNPAID_KEYS),
        ("refunded", _REFUNDED_KEYS),
    ):
        if key in known:
            return kind
    return None


_STANDING_KEYS = frozenset(fold(s) for s in STATUS_STANDING)
_NOT_KEYS = frozenset(fold(s) for s in STATUS_NOT_STANDING)
_UNPAID_KEYS = frozenset(fold(s) for s in STATUS_UNPAID)
_REFUNDED_KEYS = frozenset(fold(s) for s in STATUS_REFUNDED)
AFTER_SALE_REFUNDED_KEYS = frozenset(fold(s) for s in AFTER_SALE_REFUNDED)


def live_room_of(value: str) -> bool | None:
    text = fold(value).strip()
    if text in ("", "-", "--"):
        return None
    return text in LIVE_ROOM_YES


def is_affiliate_channel(value: str) -> bool:
    return any(m in value for m in AFFILIATE_MARKS)


class UnknownPlatform(Invalid):
    pass


def normalise_platform(name: str) -> str:
    key = name.strip().lower()
    key = PLATFORM_ALIASES.get(key, key)
    if key not in PLATFORMS:
        raise UnknownPlatform(
            f"unknown platform {name!r}: CityLive reads exports of {', '.join(PLATFORM_NAMES)}",
            field="platform",
        )
    return key


def find(keys: list[str], names: Names) -> int | None:
    """The index of the first of `names` among header keys."""
    for name in names:
        k = header_key(name)
        if k in keys:
            return keys.index(k)
    return None


def has_required(keys: list[str], cols: PlatformColumns) -> bool:
    return all(find(keys, names) is not None for names in cols.required)


def detect_layout(headers: list[str], platform: str | None = None) -> PlatformColumns | None:
    """The layout of a header row: of the layouts whose required columns are all present
    (of `platform` when given), the one that names most of the row's headers."""
    keys = [header_key(h) for h in headers]
    present = set(keys)
    matches = [
        c for c in LAYOUTS if (platform is None or c.platform == platform) and has_required(keys, c)
    ]
    if not matches:
        return None

    def score(c: PlatformColumns) -> int:
        return len({header_key(n) for n in c.names} & present)

    return max(matches, key=score)  # max keeps the first of equals: the table's order


def known_layouts() -> str:
    return "; ".join(
        f"{c.platform} {c.layout} ({', '.join(n[0] for n in c.required)})" for c in LAYOUTS
    )
