"""Every text the product shows, one catalogue per locale (zh-CN first, English too).

The catalogues are the JSON files beside this module, one per locale, each grouped by where
the words appear: `web` (portal and programme), `status` and `change` (session states and
schedule changes), `session_headers` and `change_headers` (the tables in messages), `report`
(the sales report).
Translators edit the JSON; a key missing from a locale falls back to zh-CN.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"


def normal_locale(locale: str | None) -> str:
    """`en`, `en-US`, `EN` -> `en`; anything else, or nothing, -> zh-CN."""
    if locale and locale.lower().split("-")[0].split("_")[0] == "en":
        return "en"
    return DEFAULT_LOCALE


@lru_cache(maxsize=len(LOCALES))
def catalogue(locale: str) -> dict[str, Any]:
    locale = normal_locale(locale)
    text = resources.files(__package__).joinpath(f"{locale}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    if locale != DEFAULT_LOCALE:
        base = catalogue(DEFAULT_LOCALE)
        for group, words in base.items():
            mine = data.setdefault(group, {} if isinstance(words, dict) else list(words))
            if isinstance(words, dict):
                for key, value in words.items():
                    mine.setdefault(key, value)
    return data


def words(locale: str | None, group: str) -> Any:
    """One group of a locale's catalogue (a dict of texts, or a list such as headers)."""
    return catalogue(normal_locale(locale))[group]
