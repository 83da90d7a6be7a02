"""Pure codecs behind the columns: working days and UTC datetimes (no database needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from storage.repositories._base import decode_days, encode_days
from storage.tables import UtcDateTime

DIALECTS = [sqlite.dialect(), postgresql.dialect()]  # type: ignore[no-untyped-call]
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2999, 12, 30), timezones=offsets
)


@given(st.frozensets(st.integers(min_value=0, max_value=6)))
def test_working_days_round_trip_compactly(days: frozenset[int]) -> None:
    encoded = encode_days(days)
    assert decode_days(encoded) == days
    assert list(encoded) == sorted(encoded) and len(encoded) == len(days) <= 7


@pytest.mark.parametrize("day", [-1, 7])
def test_working_days_out_of_range_are_refused(day: int) -> None:
    with pytest.raises(ValueError, match="working days"):
        encode_days({0, day})


@given(aware)
def test_utc_datetime_keeps_the_instant_and_answers_in_utc(value: datetime) -> None:
    column_type = UtcDateTime()
    for dialect in DIALECTS:
        stored = column_type.process_bind_param(value, dialect)
        assert stored is not None
        # SQLite gets naive UTC (text order = time order); PostgreSQL gets aware UTC.
        assert (stored.tzinfo is None) == (dialect.name == "sqlite")
        back = column_type.process_result_value(stored, dialect)
        assert back == value and back is not None and back.tzinfo is UTC


def test_utc_datetime_refuses_naive_values() -> None:
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(datetime(2025, 1, 1), DIALECTS[0])
