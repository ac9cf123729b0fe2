"""Pagila's late-fee rule."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from assistant.rentals import days_late, late_fee

RENTED = datetime(2022, 5, 1, 10, 0, tzinfo=UTC)
REPLACEMENT = Decimal("19.99")


@pytest.mark.parametrize(
    ("kept", "duration", "late", "fee"),
    [
        (timedelta(days=2), 3, 0, Decimal("0")),
        (timedelta(days=3), 3, 0, Decimal("0")),  # due back now: not late
        (timedelta(days=3, hours=23), 3, 0, Decimal("0")),  # a part of a day is not charged
        (timedelta(days=4), 3, 1, Decimal("1.00")),
        (timedelta(days=6), 3, 3, Decimal("3.00")),  # exactly twice the duration: per day
        (timedelta(days=6, minutes=1), 3, 3, REPLACEMENT),  # more than twice: replacement cost
        (timedelta(days=30), 7, 23, REPLACEMENT),
    ],
)
def test_late_fee(kept, duration, late, fee):
    returned = RENTED + kept
    assert days_late(RENTED, returned, duration) == late
    assert late_fee(RENTED, returned, duration, REPLACEMENT) == fee
