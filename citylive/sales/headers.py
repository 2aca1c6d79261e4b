"""The header rows of the platforms' real exports, whole: what sample data (the demo, the
benchmark) and the tests write, so every file the product is tried on carries the columns
the back ends write, around the ones the product reads (platforms.LAYOUTS names those).

Where each row comes from (public code that reads these exports; docs/sales.md has the list):
douyin: a settlement app's 抖店 order fixture (主订单编号 ... 达人实际承担优惠金额) and an order-replay
script's (商品金额, 流量体裁, 流量渠道, 流量来源, 流量类型); 支付完成时间, 达人ID, 达人昵称 per the spec.
taobao 千牛 订单报表 and 订单明细: a Taobao order importer reading both (订单编号, 买家实付金额,
买家应付邮费, 确认收货打款金额, 退款金额, ...; 子订单编号, 主订单编号, 商品属性, 商品标题, 商品价格,
购买数量, 退款状态, ...).  ExportOrderList: analyses of the public Tmall order report.
jd: an order-import controller listing the 30 columns of the GBK export.  pdd: pandas scripts
reading 拼多多 exports.  kuaishou: a shop-data importer's spec of the 61-column 快手订单 export.
1688: a browser extension that writes 1688's own export (order cells merged over item rows);
退货状态 and 卖家备注 per the spec.
"""

from __future__ import annotations

from typing import Any

from citylive.sales.platforms import LAYOUTS, PlatformColumns, find, header_key

EXPORT_HEADERS: dict[str, list[str]] = {
    "douyin": [
        "主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码",
        "商品金额", "订单应付金额", "运费", "平台实际承担优惠金额", "商家实际承担优惠金额",
        "达人实际承担优惠金额", "收件人", "收件人手机号", "详细地址", "订单提交时间", "支付完成时间",
        "订单完成时间", "发货时间", "订单状态", "售后状态", "取消原因", "商家备注", "达人ID",
        "达人昵称", "流量体裁", "流量渠道", "流量来源", "流量类型", "买家昵称",
    ],
    "taobao 千牛 订单报表": [
        "订单编号", "买家会员名", "买家实付金额", "买家应付邮费", "确认收货打款金额", "退款金额",
        "订单状态", "订单创建时间", "订单付款时间", "发货时间", "确认收货时间", "商家备注",
        "订单关闭原因", "收货地址", "商品标题", "宝贝总数量", "店铺ID", "店铺名称",
    ],
    "taobao ExportOrderList": [
        "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "总金额",
        "买家实际支付金额", "订单状态", "买家留言", "收货人姓名", "收货地址", "联系手机",
        "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类", "宝贝总数量", "店铺名称",
        "订单关闭原因", "退款金额", "订单备注",
    ],
    "taobao 订单明细": [
        "子订单编号", "主订单编号", "商品ID", "商品属性", "商品标题", "商品价格", "购买数量",
        "买家实付金额", "订单状态", "订单付款时间", "退款状态", "退款金额", "发货时间", "商家备注",
    ],
    "jd": [
        "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额",
        "结算金额", "余额支付", "应付金额", "订单状态", "订单类型", "下单帐号", "客户姓名",
        "客户地址", "联系电话", "订单备注", "发票类型", "发票抬头", "发票内容", "商家备注",
        "商家备注等级（等级1-5为由高到低）", "运费金额", "付款确认时间", "增值税发票", "货号",
        "订单完成时间", "订单来源", "订单渠道",
    ],
    "pdd": [
        "商品", "订单号", "订单状态", "商品总价(元)", "店铺优惠折扣(元)", "平台优惠折扣(元)",
        "邮费(元)", "用户实付金额(元)", "商家实收金额(元)", "商品数量(件)", "发货时间",
        "确认收货时间", "商品id", "商品规格", "样式ID", "订单成交时间", "支付时间", "售后状态",
        "商家备注", "店铺名称", "是否直播间成交",
    ],
    # a shop-data importer's file spec for 快手订单 (the export's 61 columns, in order)
    "kuaishou": [
        "订单号", "赠品订单号", "活动订单编号", "订单创建时间", "订单支付时间", "预售定金支付时间",
        "订单状态", "实付款", "快递费", "店铺优惠", "平台补贴", "主播补贴", "混资活动优惠", "支付优惠",
        "支付方式", "成交数量", "买家留言", "账号类型", "账号明细", "订单备注", "旗帜颜色", "售后状态",
        "活动订单", "预售/承诺发货时间", "订单载体", "商品名称", "商品ID", "商品规格", "SKU编码",
        "商品单价", "渠道", "CPS达人ID", "CPS达人昵称", "预估推广佣金", "预估推广者分佣比例", "团长ID",
        "团长昵称", "快赚客ID", "快赚客昵称", "授权推广者ID", "授权推广者昵称", "收货人姓名",
        "收货人电话", "收货地址-省", "收货地址-市", "收货地址-区", "收货地址-街道", "收货地址",
        "发货时间", "快递公司", "快递单号", "物流信息", "集运类型", "直邮类型", "仓库名称", "仓库地址",
        "实名姓名", "服务门店ID", "服务门店名称", "服务门店地址", "国补/类国补/消费券",
    ],
    # a browser extension that writes 1688's order export itself (columns A-R and AC-AF merged
    # over an order's item rows)
    "1688": [
        "订单编号", "买家公司名", "买家会员名", "卖家公司名", "卖家会员名", "货品总价(元)", "运费",
        "涨价或折扣(元)", "实付款", "订单状态", "订单创建时间", "订单付款时间", "发货方", "收货人姓名",
        "收货地址", "邮编", "联系电话", "联系手机", "货品标题", "单价(元)", "数量", "单位", "货号",
        "型号", "Offer ID", "SKU ID", "物料编号", "单品货号", "货品种类", "买家留言", "物流公司",
        "运单号", "退货状态", "卖家备注",
    ],
}  # fmt: skip
# The header row each platform's sample exports are written with.
SAMPLE_LAYOUT = {
    "douyin": "douyin",
    "taobao": "taobao 订单明细",
    "jd": "jd",
    "pdd": "pdd",
    "kuaishou": "kuaishou",
    "1688": "1688",
}
# Roles: the PlatformColumns fields (order_id, paid_at, amount, ...).
ROLES = (
    "order_id", "line_id", "paid_at", "amount", "quantity", "status", "after_sale", "refund",
    "streamer", "buyer", "note", "product_id", "product_title", "shop", "unit_price",
    "line_price", "live_room", "channel",
)  # fmt: skip


def layout_of(key: str) -> PlatformColumns:
    """The layout a header row of EXPORT_HEADERS is read as."""
    headers = EXPORT_HEADERS[key]
    keys = [header_key(h) for h in headers]
    platform = key.split(" ")[0]
    for cols in LAYOUTS:
        if cols.platform == platform and (key == platform or key.endswith(cols.layout)):
            assert all(find(keys, n) is not None for n in cols.required), key
            return cols
    raise KeyError(key)


def export_row(key: str, values: dict[str, Any], extra: dict[str, Any] | None = None) -> list[Any]:
    """One row of the export `key`: `values` by role (order_id, amount, ...), `extra` by header
    name (the columns the product does not read); every other cell empty."""
    headers = EXPORT_HEADERS[key]
    cols = layout_of(key)
    keys = [header_key(h) for h in headers]
    row: list[Any] = [""] * len(headers)
    for role, value in values.items():
        i = find(keys, getattr(cols, role))
        if i is None:
            raise KeyError(f"{key} has no {role} column")
        row[i] = value
    for name, value in (extra or {}).items():
        row[headers.index(name)] = value
    return row
