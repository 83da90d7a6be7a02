"""Idempotency keys a delivery posted in this process: a nudge handed out again after a
lost finish (a crash between send and settle, a lease that ran out) is answered as sent,
not posted twice. Bounded: the oldest keys go first; a repeat comes within minutes."""

from __future__ import annotations

from collections import OrderedDict

KEEP_KEYS = 10_000


class SentKeys:
    def __init__(self, keep: int = KEEP_KEYS) -> None:
        self._keep = keep
        self._keys: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: object) -> bool:
        if key not in self._keys:
            return False
        self._keys.move_to_end(key)  # type: ignore[arg-type]
        return True

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        if len(self._keys) > self._keep:
            self._keys.popitem(last=False)
