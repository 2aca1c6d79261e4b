"""The festival day: live states, late sessions, stand-ins, the live board.

    state.py     a session's live state, its changes audited, who is late
    late.py      one pass of the watch: late sessions and their alerts (never twice)
    standins.py  who may stand in for a streamer who did not show, ranked, with reasons
    takeover.py  taking a stand-in: a new schedule version changing that one session
    offers.py    a slot an enterprise left empty, offered to its town's waiting requests
    replacement.py  giving that slot to one: a new schedule version changing that one session
    races.py     who won a stand-in or replacement race, read back from the database
    reasons.py   the rankings' reasons in words, in the API's English or a page's language
    board.py     now and next per venue, counts per state and town, stand-ins taken

The use cases that own these actions are in citylive/actions/live.py.
"""
