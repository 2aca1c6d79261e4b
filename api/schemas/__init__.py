"""The API's request and response bodies, one module per area; the routes define none.

    errors.py         the one error shape (ErrorPublic)
    festivals.py      imports, capacity, confirmations, the deadline
    planning.py       planning jobs and their answers
    sessions.py       decisions and their outcomes
    live.py           the festival day: live marks, no-shows, stand-ins, running figures
    sales.py          sales figures, uploads, files, disputes (money as decimal strings)
    tokens.py         feed tokens

Records the core returns (`models.FestivalPublic`, `SessionPublic`, ...) stay in models/.
"""
