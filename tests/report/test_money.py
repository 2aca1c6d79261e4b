"""Money as people read it: separators, and 万 on Chinese pages from 10,000 yuan."""

from __future__ import annotations

from citylive.money import money, money_fen
from citylive.report.evidence import evidence_sentence


def test_money_chinese_large_amount_in_wan() -> None:
    assert money("208106.00") == "¥20.81万"
    assert money("12345678.9") == "¥1,234.57万"


def test_money_chinese_small_amount_with_separators() -> None:
    assert money("9999.5") == "¥9,999.50"
    assert money(998) == "¥998.00"


def test_money_english_and_plain_keep_yuan() -> None:
    assert money("208106.00", "en") == "¥208,106.00"
    assert money("208106", plain=True) == "208,106.00"
    assert money_fen(20810600, "en") == "¥208,106.00"


def test_money_missing_or_not_a_number_shown_as_is() -> None:
    assert money(None) == "-"
    assert money("-") == "-"
    assert money_fen(None) == "-"


def test_evidence_sentence_names_people_in_english() -> None:
    flag = {
        "kind": "refund",
        "enterprise": "huayi",
        "streamer": "li-ming",
        "message": "",
        "evidence": {
            "refund_rate": 0.5,
            "festival_refund_rate": 0.1,
            "orders": 40,
            "refunded_orders": 20,
        },
    }
    names = {"huayi": "Huayi Lighting", "li-ming": "Li Ming"}
    assert evidence_sentence(flag, "en", names) == (
        "Huayi Lighting with Li Ming: 20 of 40 orders were refunded (50%), against 10% "
        "across the festival."
    )
    assert evidence_sentence(flag, "zh-CN", names) == (
        "Huayi Lighting（Li Ming）本场 40 笔订单中有 20 笔退款（退款率 50%），全节平均为 10%。"
    )
