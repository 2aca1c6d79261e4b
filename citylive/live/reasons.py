"""The words of a ranking's reasons (stand-ins, waiting requests, why nobody fits): each
reason is its English text (what the API answers) that also keeps its key and values, so a
page can say it in its own language from the catalogue's `reasons` group."""

from __future__ import annotations

from typing import Any

from citylive.i18n import words


class Reason(str):
    """A reason's English text, with the catalogue key and the values it was made from."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Reason:
        made = super().__new__(cls, words("en", "reasons")[key].format(**params))
        made.key, made.params = key, params
        return made


def localized(reason: object, lang: str) -> str:
    """The reason in `lang` (platform ids by their names there); anything else as it is."""
    if not isinstance(reason, Reason) or lang == "en":
        return str(reason)
    params = dict(reason.params)
    if "platform" in params:
        params["platform"] = words(lang, "platforms").get(params["platform"], params["platform"])
    return str(words(lang, "reasons")[reason.key].format(**params))
