"""Dispatcher tuning, from the environment as `CITYLIVE_NOTIFY_<NAME>`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# What the vendors allow a single bot (messages a minute).  DingTalk: 20 a minute per custom
# robot (more gets errcode 130101 and a 10-minute block); WeCom group bot: 20 a minute;
# Feishu custom bot: 100 a minute and 5 a second.  Mail and webhooks are not limited here.
VENDOR_RATES_PER_MINUTE: dict[str, float] = {
    "dingtalk": 20.0,
    "wecombot": 20.0,
    "feishu": 100.0,
    "lark": 100.0,
}


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITYLIVE_NOTIFY_", extra="ignore")

    max_attempts: int = Field(default=6, ge=1, description="sends before a row is marked failed")
    backoff_seconds: float = Field(default=30.0, ge=0, description="wait after the 1st failure")
    backoff_factor: float = Field(default=2.0, ge=1)
    backoff_max_seconds: float = Field(default=3600.0, ge=0)
    jitter: float = Field(default=0.25, ge=0, le=1, description="+/- share of the wait, random")
    claim_seconds: float = Field(
        default=120.0, gt=0, description="a claimed row is re-claimable after this (dead worker)"
    )
    batch_size: int = Field(default=200, ge=1, description="rows claimed at once")
    workers: int = Field(default=16, ge=1, description="concurrent sends")
    request_timeout: float = Field(default=10.0, gt=0)
    # Vendor API roots; point them at a stand-in for tests or a proxy.
    dingtalk_api: str = "https://oapi.dingtalk.com"
    wecom_api: str = "https://qyapi.weixin.qq.com"
    # Per-scheme limits in messages a minute, merged over VENDOR_RATES_PER_MINUTE (0 = none),
    # e.g. CITYLIVE_NOTIFY_RATES='{"dingtalk": 0}' for a local stand-in.
    rates: dict[str, float] = Field(default_factory=dict)

    def rate_per_minute(self, scheme: str) -> float:
        merged = {**VENDOR_RATES_PER_MINUTE, **self.rates}
        return float(merged.get(scheme, 0.0))


def get_notify_settings() -> NotifySettings:
    # Not cached: tests and long-running workers pick up changed settings on the next run.
    return NotifySettings()
