"""The platforms' order exports: which columns the product reads from each, and what their
status values mean.  Header names are the ones the merchant back ends write (Chinese)."""

from __future__ import annotations

from dataclasses import dataclass

from citylive.errors import Invalid


@dataclass(frozen=True)
class PlatformColumns:
    """The columns the product needs from one platform's export (Chinese header names)."""

    platform: str
    order_id: str
    paid_at: str
    amount: str
    quantity: str
    status: str
    line_id: tuple[str, ...] = ()  # first present wins; absent -> one row per order
    after_sale: tuple[str, ...] = ()
    refund: tuple[str, ...] = ()
    streamer: tuple[str, ...] = ()
    buyer: tuple[str, ...] = ()
    note: tuple[str, ...] = ()
    product_id: tuple[str, ...] = ()
    product_title: tuple[str, ...] = ()
    shop: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return (self.order_id, self.paid_at, self.amount, self.quantity, self.status)


PLATFORMS: dict[str, PlatformColumns] = {
    "douyin": PlatformColumns(
        "douyin",
        "主订单编号",
        "支付完成时间",
        "订单应付金额",
        "商品数量",
        "订单状态",
        line_id=("子订单编号",),
        after_sale=("售后状态",),
        streamer=("达人ID",),
        buyer=("买家昵称", "用户昵称", "下单用户"),
        note=("商家备注",),
        product_id=("商品ID",),
        product_title=("选购商品", "商品名称"),
        shop=("店铺名称",),
    ),
    "taobao": PlatformColumns(
        "taobao",
        "订单编号",
        "订单付款时间",
        "买家实际支付金额",
        "宝贝总数量",
        "订单状态",
        line_id=("子订单编号",),
        refund=("退款金额",),
        buyer=("买家会员名",),
        note=("订单备注", "商家备注"),
        product_id=("宝贝ID", "商品ID"),
        product_title=("宝贝标题",),
        shop=("店铺名称",),
    ),
    "jd": PlatformColumns(
        "jd",
        "订单号",
        "付款确认时间",
        "应付金额",
        "订购数量",
        "订单状态",
        buyer=("下单帐号", "下单账号"),
        note=("商家备注", "订单备注"),
        product_id=("商品ID", "商品编号"),
        product_title=("商品名称",),
        shop=("店铺名称",),
    ),
    "pdd": PlatformColumns(
        "pdd",
        "订单号",
        "订单成交时间",
        "用户实付金额(元)",
        "商品数量(件)",
        "订单状态",
        after_sale=("售后状态",),
        buyer=("买家昵称",),
        note=("商家备注",),
        product_id=("商品id", "商品ID"),
        product_title=("商品", "商品名称"),
        shop=("店铺名称",),
    ),
    "1688": PlatformColumns(
        "1688",
        "订单编号",
        "订单付款时间",
        "实付款(元)",
        "数量",
        "订单状态",
        after_sale=("退货状态",),
        buyer=("买家会员名",),
        note=("卖家备注", "商家备注"),
        product_id=("货品ID", "商品ID"),
        product_title=("货品标题",),
        shop=("店铺名称",),
    ),
    "kuaishou": PlatformColumns(
        "kuaishou",
        "订单号",
        "支付时间",
        "实付款",
        "商品数量",
        "订单状态",
        after_sale=("售后状态",),
        streamer=("主播ID",),
        buyer=("买家昵称",),
        note=("商家备注",),
        product_id=("商品ID",),
        product_title=("商品名称",),
        shop=("店铺名称",),
    ),
}
# Tmall's back end writes the same 订单报表 as Taobao's.
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

# Order statuses: those that mean the sale did not stand, and those that leave it standing.
STATUS_NOT_STANDING = frozenset({"已关闭", "交易关闭", "已取消", "订单关闭", "取消", "已作废"})
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
    }
)
# After-sale values that mean a refund went through; anything else leaves the sale standing.
AFTER_SALE_REFUNDED = frozenset(
    {"退款成功", "已退款", "售后完成", "退货退款成功", "退款完成", "仅退款成功"}
)


class UnknownPlatform(Invalid):
    pass


def normalise_platform(name: str) -> str:
    key = name.strip().lower()
    key = PLATFORM_ALIASES.get(key, key)
    if key not in PLATFORMS:
        raise UnknownPlatform(
            f"unknown platform {name!r}: CityLive reads exports of {', '.join(PLATFORMS)}",
            field="platform",
        )
    return key


def detect_platform(headers: list[str]) -> str | None:
    present = set(headers)
    matches = [p for p, cols in PLATFORMS.items() if all(h in present for h in cols.required)]
    if not matches:
        return None

    # The most specific match: the platform whose optional columns are also present.
    def score(p: str) -> int:
        cols = PLATFORMS[p]
        extra = cols.line_id + cols.after_sale + cols.refund + cols.streamer + cols.buyer
        return sum(1 for h in extra if h in present)

    return max(matches, key=score)


def known_headers() -> frozenset[str]:
    """Every header name some platform's export has, required or optional."""
    names: set[str] = set()
    for cols in PLATFORMS.values():
        names.update(cols.required)
        for field in ("line_id", "after_sale", "refund", "streamer", "buyer", "note"):
            names.update(getattr(cols, field))
        names.update(cols.product_id + cols.product_title + cols.shop)
    return frozenset(names)


def found_headers_message(headers: list[str]) -> str:
    """What a refused file's header row held, in words that quote no content: the names
    that are some platform's columns, and how many other cells there were.  A file that is
    not an export at all (a password file, a token) is never quoted."""
    cells = [h for h in headers if h]
    if not cells:
        return "an empty first row"
    known = known_headers()
    named = [h for h in cells if h in known]
    others = len(cells) - len(named)
    if not named:
        return f"{len(cells)} column{'s' if len(cells) != 1 else ''}, none a known export column"
    rest = f" and {others} other column{'s' if others != 1 else ''}" if others else ""
    return ", ".join(named) + rest


def expected_headers_message() -> str:
    return "; ".join(f"{p}: {', '.join(cols.required)}" for p, cols in PLATFORMS.items())
