"""The API app with decision receipts switched off, for measuring the API's own share of a
decision (bench/api_load.py --receipts off).  Never used by the product."""

import citylive.notify as _notify
from api.main import app


def _no_receipt_for(*, db: object, decision: object, session: object) -> int:
    return 0


_notify.enqueue_receipt_for = _no_receipt_for  # type: ignore[assignment]

__all__ = ["app"]
