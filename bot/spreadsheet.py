"""CSV files people open in a spreadsheet: a header always, and no cell that runs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def safe_cell(value: Any) -> Any:
    # A leading = + - @ would run as a formula in a spreadsheet.
    return f"'{value}" if isinstance(value, str) and value[:1] in "=+-@" else value


def csv_bytes(header: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """Rows as CSV; the header is written even when there are no rows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header))
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in r.items()} for r in rows)
    return out.getvalue().encode()
