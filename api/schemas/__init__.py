"""The API's request and response bodies, one module per area; the routes define none.

    errors.py         the one error shape (ErrorPublic)
    festivals.py      festival lists, imports, capacity, confirmations, the deadline
    planning.py       planning jobs and their answers
    sessions.py       session and decision pages, decisions and their outcomes
    live.py           the festival day: live marks, no-shows, stand-ins, running figures
    sales.py          sales figures, uploads, files, disputes (money as decimal strings)
    notifications.py  the outbox's pages
    tokens.py         feed tokens

Records the core returns (`models.FestivalPublic`, `SessionPublic`, ...) stay in models/.
"""
