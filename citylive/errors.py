"""The errors a user can act on, one family for the whole product.

Every error raised by the core says what was wrong, where (`field`) and what to do.  The API
answers each kind with one status code (api/errors.py), the command line prints it as one
line and exits 1; nobody ever sees a traceback or SQL text for these.

| kind           | HTTP | when                                                        |
|----------------|------|-------------------------------------------------------------|
| Invalid        | 422  | the input is wrong (a file, a field, a number out of range) |
| Unauthorized   | 401  | no credentials, or unknown, expired or revoked ones         |
| Forbidden      | 403  | the caller's role or scope does not allow this              |
| NotFound       | 404  | no such thing, or not one the caller may see                |
| Conflict       | 409  | the state does not allow it now (decided, running, stale)   |
| TooLarge       | 413  | over a size limit                                           |
| Unavailable    | 503  | the database (or another service) cannot be reached         |
"""

from __future__ import annotations

from typing import Any


class CityLiveError(Exception):
    """Base of every error meant for the user: `message`, the `field` at fault, `details`."""

    def __init__(
        self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}

    def __str__(self) -> str:
        return self.message


class Invalid(CityLiveError, ValueError):
    pass


class Unauthorized(CityLiveError):
    pass


class Forbidden(CityLiveError):
    pass


class NotFound(CityLiveError, LookupError):
    pass


class Conflict(CityLiveError):
    pass


class TooLarge(CityLiveError, ValueError):
    pass


class Unavailable(CityLiveError):
    pass
