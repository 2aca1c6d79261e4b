"""Festival files (`citylive/festival@1`): the schema, reading within limits, the rules that
relate one part of a file to another, and the validated festival with its look-ups.

    loader.py      text -> data -> Festival (YAML traps disarmed, size and depth limits)
    schema.py      the format's fields and the product's ranges (pydantic)
    validation.py  cross-references, every error with its place
    lookups.py     `Festival`: the validated document and the look-ups planning needs
"""

from citylive.festival.loader import (
    FestivalFileError,
    load_festival,
    load_festival_text,
    parse_festival,
    parse_text,
    read_document,
)
from citylive.festival.lookups import Festival, SlotRef
from citylive.festival.schema import (
    DEFAULT_WEIGHTS,
    FORMAT,
    District,
    Enterprise,
    FestivalDocument,
    FestivalInfo,
    Industry,
    Slot,
    Streamer,
    Theme,
    Town,
    Venue,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "FORMAT",
    "District",
    "Enterprise",
    "Festival",
    "FestivalDocument",
    "FestivalFileError",
    "FestivalInfo",
    "Industry",
    "Slot",
    "SlotRef",
    "Streamer",
    "Theme",
    "Town",
    "Venue",
    "load_festival",
    "load_festival_text",
    "parse_festival",
    "parse_text",
    "read_document",
]
