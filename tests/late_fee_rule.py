"""Pagila's late-fee rule, stated again for the tests: an oracle written apart from the
store's own home of the rule (the database functions of migration 0004)."""

import math
from datetime import datetime, timedelta
from decimal import Decimal


def days_late(rented: datetime, returned: datetime, duration: int) -> int:
    """Whole days past the film's rental duration (0 when on time)."""
    late = returned - rented - timedelta(days=duration)
    return max(0, math.floor(late.total_seconds() / 86400))


def kept_too_long(rented: datetime, returned: datetime, duration: int) -> bool:
    """Kept more than twice the rental duration."""
    return returned - rented > timedelta(days=2 * duration)


def late_fee(rented: datetime, returned: datetime, duration: int,
             replacement: Decimal) -> Decimal:
    """$1 a day late; kept more than twice the duration, the replacement cost instead."""
    if kept_too_long(rented, returned, duration):
        return replacement
    return Decimal("1.00") * days_late(rented, returned, duration)
