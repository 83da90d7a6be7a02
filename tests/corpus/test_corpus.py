"""How well the buddy reads what people really type: the corpus under tests/corpus/.

Adding a case is one line in phrasings.tsv (or not_logged.tsv). The bar is 98%: a
miss is printed with what was expected and what was read.
"""

from __future__ import annotations

from bot.errors import UserError
from bot.parser import parse_text
from tests.corpus.reading import misses, rows

PASS_RATE = 0.98


def test_the_corpus_is_read_at_98_percent_or_better() -> None:
    cases = rows("phrasings.tsv")
    assert len(cases) >= 300
    failed = {}
    for row in cases:
        wrong = misses(row)
        if wrong:
            failed[f"{row['line']}: {row['text']}"] = wrong
    rate = 1 - len(failed) / len(cases)
    report = "\n".join(f"  {text}\n    " + "; ".join(w) for text, w in failed.items())
    print(f"read {len(cases) - len(failed)} of {len(cases)} ({rate:.1%})\n{report}")
    assert rate >= PASS_RATE, f"{rate:.1%} < {PASS_RATE:.0%}:\n{report}"


def test_what_is_not_a_log_is_never_logged() -> None:
    wrong = []
    for row in rows("not_logged.tsv"):
        try:
            inv = parse_text(row["text"])
        except UserError:
            got = "unclear"
        else:
            # Commands that record nothing answer as what they are.
            got = {"chat": inv.text("intent"), "help": "help", "no": "unclear"}.get(
                inv.name, f"command {inv.name}"
            )
        if got != row["reply"]:
            wrong.append(f"  {row['line']}: {row['text']!r}: want {row['reply']}, got {got}")
    assert not wrong, "\n".join(wrong)
