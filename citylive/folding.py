"""How two names are compared: ids, shop names and routing tags that a person would read as
the same (`guzhen`, `GuZhen`, `ｇｕｚｈｅｎ`, `gu\u200dzhen`) are the same.

`fold` is the one comparison key; `hidden_characters` finds what makes a name look like another
(invisible and control characters), so that an id holding one can be refused with its place.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width spaces and joiners, direction marks and isolates, word joiners, soft hyphen, BOM,
# the Mongolian vowel separator and the Hangul fillers: characters that show as nothing.
INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\u115f\u1160\u3164\uffa0]"
)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def fold(text: str) -> str:
    """The comparison key of a name: NFKC (full-width to half-width, compatibility forms),
    case folded, invisible characters removed, outer spaces (full-width ones too) trimmed."""
    folded = unicodedata.normalize("NFKC", INVISIBLE.sub("", text)).casefold()
    return INVISIBLE.sub("", folded).strip()


def hidden_characters(text: str) -> list[str]:
    """The invisible and control characters in a name, as `U+200D` codes, in order."""
    return [f"U+{ord(c):04X}" for c in text if INVISIBLE.match(c) or CONTROL.match(c)]
