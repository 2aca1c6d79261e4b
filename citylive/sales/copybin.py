"""PostgreSQL's binary COPY format, written a column at a time from arrow arrays.

Each row is a 16-bit field count, then per field a 32-bit length (-1 for NULL) and the value
in network byte order: text as UTF-8, integers, booleans, and timestamps as microseconds since
2000-01-01.  The fields of every row are joined in one pass by `binary_join_element_wise`, and
the joined array's data buffer is the COPY payload, so no Python runs per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = b"\xff\xff"
NULL = pa.scalar(b"\xff\xff\xff\xff", pa.binary())
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since 1970-01-01

# kinds: "text", "int4", "int8", "bool", "timestamp" (naive or aware, both as microseconds)
Kind = str


def _fixed(values: np.ndarray, width: int, dtype: str) -> pa.Array:
    """Length prefix + big-endian value per row, as a binary array."""
    n = len(values)
    out = np.empty((n, 4 + width), dtype=np.uint8)
    out[:, :4] = np.frombuffer(width.to_bytes(4, "big"), dtype=np.uint8)
    out[:, 4:] = values.astype(dtype).view(np.uint8).reshape(n, width)
    flat = pa.py_buffer(out.tobytes())
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(4 + width), n, [None, flat]).cast(
        pa.binary()
    )


def constant(value: Any, kind: Kind) -> pa.Scalar:
    """The same field in every row (a festival id, a file id), encoded once."""
    if value is None:
        return NULL
    if kind == "text":
        data = str(value).encode()
    elif kind == "int4":
        data = int(value).to_bytes(4, "big", signed=True)
    elif kind == "int8":
        data = int(value).to_bytes(8, "big", signed=True)
    elif kind == "bool":
        data = b"\x01" if value else b"\x00"
    else:
        raise ValueError(f"no constant encoding for {kind!r}")
    return pa.scalar(len(data).to_bytes(4, "big") + data, pa.binary())


def field(array: Any, kind: Kind) -> Any:
    """One column's fields, each as its COPY bytes (length prefix included)."""
    if isinstance(array, pa.Scalar):
        return constant(array.as_py(), kind)
    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    n = len(array)
    valid = pc.is_valid(array)
    if kind == "text":
        data = pc.cast(array, pa.binary())
        sizes = pc.fill_null(pc.binary_length(data), 0).to_numpy(zero_copy_only=False)
        prefix = np.asarray(sizes, dtype=">i4").view(np.uint8).reshape(n, 4)
        prefixes = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(4), n, [None, pa.py_buffer(prefix.tobytes())]
        ).cast(pa.binary())
        encoded = pc.binary_join_element_wise(prefixes, data, pa.scalar(b"", pa.binary()))
    else:
        if kind == "bool":
            values = pc.fill_null(array, False).to_numpy(zero_copy_only=False).astype(np.uint8)
            encoded = _fixed(values, 1, "u1")
        elif kind == "timestamp":
            raw = pc.fill_null(pc.cast(array, pa.int64()), 0).to_numpy(zero_copy_only=False)
            encoded = _fixed(raw - _PG_EPOCH_US, 8, ">i8")
        elif kind in ("int4", "int8"):
            raw = pc.fill_null(pc.cast(array, pa.int64()), 0).to_numpy(zero_copy_only=False)
            encoded = _fixed(raw, 4, ">i4") if kind == "int4" else _fixed(raw, 8, ">i8")
        else:
            raise ValueError(f"no binary COPY encoding for {kind!r}")
    if array.null_count:
        encoded = pc.if_else(valid, encoded, NULL)
    return encoded


def rows(columns: Sequence[tuple[Any, Kind]]) -> memoryview:
    """The COPY tuples of these columns (without the header and trailer)."""
    n = next(len(a) for a, _ in columns if not isinstance(a, pa.Scalar))
    if n == 0:
        return memoryview(b"")
    count = pa.scalar(len(columns).to_bytes(2, "big"), pa.binary())
    fields = [field(a, kind) for a, kind in columns]
    joined = pc.binary_join_element_wise(count, *fields, pa.scalar(b"", pa.binary()))
    if joined.type != pa.large_binary() and joined.nbytes > 2**30:
        raise ValueError("batch too large for one COPY chunk")
    offsets = np.frombuffer(
        joined.buffers()[1], dtype=np.int32, count=n + 1, offset=joined.offset * 4
    )
    start, stop = int(offsets[0]), int(offsets[-1])
    return memoryview(joined.buffers()[2].slice(start, stop - start))
