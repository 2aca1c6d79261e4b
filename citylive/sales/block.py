"""A block of export rows as text columns: what the readers yield, the bulk reading parses
and the order split fills down."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa


@dataclass
class Block:
    """Rows of an export as text columns (every cell a string; "" for an empty one)."""

    columns: list[pa.Array]
    numbers: np.ndarray  # the row number of each row in its file (1-based, header counted)
    extras: dict[int, str] = field(default_factory=dict)  # row index -> cells past the header

    @property
    def size(self) -> int:
        return len(self.numbers)

    def cells(self, i: int) -> list[str]:
        return [c[i].as_py() for c in self.columns]
