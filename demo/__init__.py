"""The demo and its stand-ins for the outside world: sample platform exports, loopback mail and
webhook receivers, and the story `citylive demo` tells.  Tests and benchmarks use the same
pieces.  Needs the `demo` extra (`pip install 'citylive[demo]'`)."""
