"""Festival files and a notification config a new user can run; installed as
`citylive.examples` so `citylive demo` finds its festival from any folder."""
