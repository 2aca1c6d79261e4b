"""One settings object; every value can come from the environment as `CITYLIVE_<NAME>`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITYLIVE_", extra="ignore")

    data_dir: Path = Path("./.citylive")
    database_url: str | None = None
    notify_config: Path | None = None
    # Where coordinators open their portal; links in messages point here.
    public_url: str = "http://127.0.0.1:8000"
    locale: str = "zh-CN"
    # Folders besides data_dir whose files flows may read and write (citylive/paths.py),
    # separated by os.pathsep.
    allowed_paths: str = ""

    # Sales: thresholds for the signs of inflated figures (see docs/sales.md).
    flag_refund_rate_factor: float = Field(
        default=2.0, description="session refund rate > factor x festival's"
    )
    flag_refund_rate_min: float = Field(default=0.2, description="... and at least this rate")
    flag_top_buyers: int = Field(default=3, description="how many top buyer accounts to add up")
    flag_top_buyers_share: float = Field(
        default=0.3, description="their share of a session's orders"
    )
    flag_conversion_max: float = Field(
        default=0.2, description="buyers / views above this is implausible"
    )
    flag_claim_ratio: float = Field(
        default=1.5, description="self-reported GMV > ratio x computed GMV"
    )
    flag_min_orders: int = Field(
        default=20, description="sessions with fewer orders are not flagged"
    )
    attribution_grace_minutes: int = 30

    # Limits on every input (docs/security.md lists each with what it protects).
    festival_max_bytes: int = Field(default=20 * 2**20, description="a festival file's size")
    festival_max_depth: int = Field(default=32, description="nesting of a festival file")
    max_request_bytes: int = Field(
        default=21 * 2**20, description="a request's body, refused before it is read"
    )
    max_upload_bytes: int = Field(default=20 * 2**20, description="one uploaded file")
    token_days: int = Field(default=180, ge=1, le=3660, description="an API token's lifetime")
    feed_token_days: int = Field(
        default=366, ge=1, le=3660, description="a calendar feed token's lifetime"
    )
    festival_max_nodes: int = Field(
        default=2_000_000, description="values in a festival file, YAML aliases expanded"
    )

    # Planning a whole city in parts (docs/planner.md, "Planning in parts").
    plan_parts_above: int = Field(
        default=20_000, ge=0, description="requested sessions above which a plan is made in parts"
    )
    plan_part_sessions: int = Field(
        default=4_000,
        ge=1,
        description="requested sessions of one part, in a city without districts",
    )
    dask_address: str | None = Field(
        default=None, description="the Dask scheduler the parts are solved on (none: local workers)"
    )
    # Mutual TLS to that scheduler (docs/security.md, "Who may reach the Dask cluster"): the
    # cluster's own CA, and this client's certificate and key signed by it.
    dask_tls_ca: Path | None = Field(default=None, description="the Dask cluster's CA (PEM)")
    dask_tls_cert: Path | None = Field(default=None, description="the planner's certificate")
    dask_tls_key: Path | None = Field(default=None, description="the planner's private key")

    # Sales: limits on exports and viewer figures, and the after-the-hype thresholds
    # (docs/sales.md lists each; docs/security.md the limits).
    sales_cell_max_chars: int = Field(
        default=32_767, ge=64, le=1_000_000, description="characters in one export cell"
    )
    sales_xlsx_max_bytes: int = Field(
        default=512 * 2**20, ge=2**20, description="an XLSX export's size once unpacked"
    )
    figures_max_count: int = Field(
        default=1_000_000_000,
        ge=1,
        le=10**12,
        description="views, peak viewers or new followers of one session",
    )
    figures_max_claimed_yuan: int = Field(
        default=10_000_000_000, ge=1, le=10**12, description="self-reported GMV of one session"
    )
    discount_depth: float = Field(
        default=0.3, gt=0, lt=1, description="a sale this far below the pre-festival median"
    )
    discount_share: float = Field(
        default=0.5, gt=0, le=1, description="... making up more of a session's GMV is flagged"
    )
    discount_min_orders: int = Field(
        default=5, ge=1, description="sessions with fewer orders are not flagged"
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'citylive.db').resolve()}"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def prefect_home(self) -> Path:
        return self.data_dir / "prefect"


@lru_cache
def get_settings() -> Settings:
    return Settings()
