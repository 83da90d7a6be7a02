"""Reading what members type: every corpus phrasing parsed, one message at a time."""

from __future__ import annotations

import contextlib
import time

from bot.errors import UserError
from bot.parser import parse_text
from tests.bench.scenarios import Row
from tests.corpus.reading import rows

ROUNDS = 20  # each phrasing parsed this many times: the date parser caches by text


def parse_corpus() -> list[Row]:
    texts = [r["text"] for r in rows("phrasings.tsv")] + [r["text"] for r in rows("not_logged.tsv")]
    first: list[float] = []
    again: list[float] = []
    for n in range(ROUNDS):
        for text in texts:
            t0 = time.perf_counter()
            with contextlib.suppress(UserError):  # a greeting or a typo: still timed
                parse_text(text)
            (first if n == 0 else again).append(time.perf_counter() - t0)
    cold = Row("-", f"parse a corpus message, first time ({len(texts)} messages)", first)
    warm = Row("-", f"parse a corpus message, again ({ROUNDS - 1} rounds)", again)
    for row in (cold, warm):
        row.target = "p99 < 1 ms"
        row.ok = row.pct(0.99) < 1.0
    return [cold, warm]
