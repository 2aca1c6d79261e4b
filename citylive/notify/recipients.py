"""Who a message is for, and what kind of message it is.

A recipient is one of four kinds: the organisers, a town's coordinator, an enterprise or a
streamer.  Its Apprise tag (`organiser`, `coordinator:<town>`, `enterprise:<id>`,
`streamer:<id>`) is what the routing config names and what an outbox row stores; `parse`
reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from citylive.errors import Invalid


class RecipientKind(StrEnum):
    organiser = "organiser"
    coordinator = "coordinator"
    enterprise = "enterprise"
    streamer = "streamer"


class MessageEvent(StrEnum):
    """What caused a message; each has its template in templates/messages/<locale>/."""

    assignment = "assignment"  # schedule version 1
    change = "change"  # a later version: new, moved or cancelled sessions
    reminder = "reminder"  # a set time before sessions start
    receipt = "receipt"  # a decision applied (confirm, decline, silence at the deadline)
    digest = "digest"  # the organisers' daily digest
    summary = "summary"  # after the festival
    unplaced = "unplaced"  # an enterprise whose requests a version leaves unplaced: why, what to do
    late = "late"  # the festival day: a session not live a set time after its start


FORMS = "one of `organiser`, `coordinator:<town>`, `enterprise:<id>`, `streamer:<id>`"


class RecipientError(Invalid):
    """A tag that names no recipient; the message says which forms there are."""


@dataclass(frozen=True)
class Recipient:
    kind: RecipientKind
    id: str | None = None  # the town for a coordinator; none for the organisers

    def __post_init__(self) -> None:
        if (self.kind == RecipientKind.organiser) != (self.id is None) or self.id == "":
            shown = self.kind.value if self.id is None else f"{self.kind.value}:{self.id}"
            raise RecipientError(f"{shown[:140]!r} is not a recipient tag; {FORMS}")

    @property
    def tag(self) -> str:
        return self.kind.value if self.id is None else f"{self.kind.value}:{self.id}"

    def __str__(self) -> str:
        return self.tag

    @classmethod
    def parse(cls, tag: str) -> Recipient:
        kind, sep, rid = tag.partition(":")
        try:
            parsed = RecipientKind(kind)
        except ValueError:
            raise RecipientError(f"{tag[:140]!r} is not a recipient tag; {FORMS}") from None
        return cls(parsed, rid if sep else None)

    @classmethod
    def organiser(cls) -> Recipient:
        return cls(RecipientKind.organiser)

    @classmethod
    def coordinator(cls, town: str) -> Recipient:
        return cls(RecipientKind.coordinator, town)

    @classmethod
    def enterprise(cls, enterprise_id: str) -> Recipient:
        return cls(RecipientKind.enterprise, enterprise_id)

    @classmethod
    def streamer(cls, streamer_id: str) -> Recipient:
        return cls(RecipientKind.streamer, streamer_id)
