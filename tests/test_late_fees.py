"""Pagila's late-fee rule, as the database applies it (rental_days_late, rental_late_fee):
the cases at its edges, and the tests' own statement of it over many rentals."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.late_fee_rule import days_late, late_fee

RENTED = datetime(2022, 5, 1, 10, 0, tzinfo=UTC)
REPLACEMENT = Decimal("19.99")
EDGES = [
    (timedelta(days=2), 3, 0, Decimal("0")),
    (timedelta(days=3), 3, 0, Decimal("0")),  # due back now: not late
    (timedelta(days=3, hours=23), 3, 0, Decimal("0")),  # a part of a day is not charged
    (timedelta(days=4), 3, 1, Decimal("1.00")),
    (timedelta(days=6), 3, 3, Decimal("3.00")),  # exactly twice the duration: per day
    (timedelta(days=6, minutes=1), 3, 3, REPLACEMENT),  # more than twice: replacement cost
    (timedelta(days=30), 7, 23, REPLACEMENT),
]


def rule_in_the_database(sql, rentals: list[tuple]) -> list[tuple[int, Decimal]]:
    values = ", ".join(f"(:r{i}, :t{i}, :d{i}, :c{i})" for i in range(len(rentals)))
    params = {f"{k}{i}": v for i, row in enumerate(rentals) for k, v in zip("rtdc", row, strict=True)}
    return [tuple(row) for row in sql(f"""
        SELECT rental_days_late(r::timestamptz, t::timestamptz, d::int),
               rental_late_fee(r::timestamptz, t::timestamptz, d::int, c::numeric)
        FROM (VALUES {values}) AS v(r, t, d, c)""", **params)]


@pytest.mark.parametrize(("kept", "duration", "late", "fee"), EDGES)
def test_late_fee_at_the_edges(sql, kept, duration, late, fee):
    returned = RENTED + kept
    assert rule_in_the_database(sql, [(RENTED, returned, duration, REPLACEMENT)]) == [(late, fee)]
    assert (days_late(RENTED, returned, duration),
            late_fee(RENTED, returned, duration, REPLACEMENT)) == (late, fee)


def test_the_database_applies_the_rule_to_any_rental(sql):
    draw = random.Random(2026)
    rentals = [(RENTED, RENTED + timedelta(minutes=draw.randrange(0, 60 * 24 * 40)),
                draw.randint(3, 7), Decimal(draw.choice(["9.99", "19.99", "29.99"])))
               for _ in range(500)]
    expected = [(days_late(r, t, d), late_fee(r, t, d, c)) for r, t, d, c in rentals]
    assert rule_in_the_database(sql, rentals) == expected
