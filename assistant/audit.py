"""The write audit trail and the wrong-token lockout, kept in the store's database (the
sign-in trail, `sign_in_audit`, is written by assistant.throttle and read here with it).

Every decision about a write (proposed, confirmed, cancelled, a wrong token, locked, executed,
failed, ...) is a row naming the clerk, the conversation, the action and its arguments. The
lockout counts wrong admin tokens per clerk in the database, so neither a page reload, a
restart nor a second instance gives anyone more guesses.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.db import Database

MAX_WRONG_TOKENS = 5
LOCKOUT_SECONDS = 5 * 60


@dataclass(frozen=True)
class WriteLedger:
    """Where one clerk's write decisions are written down, in one conversation."""

    database: Database
    staff_id: int
    thread_id: str | None = None

    async def record(self, action: str, arguments: dict[str, Any], outcome: str,
                     detail: str | None = None) -> None:
        async with self.database.writing() as conn:
            await conn.execute(text(
                "INSERT INTO write_audit (staff_id, thread_id, action, arguments, outcome, "
                "detail) VALUES (:s, :t, :a, CAST(:args AS jsonb), :o, :d)"),
                {"s": self.staff_id, "t": self.thread_id, "a": action,
                 "args": json.dumps(arguments, default=str), "o": outcome, "d": detail})

    async def locked_for(self) -> float:
        """Seconds this clerk's writes stay locked (0 when they are not)."""
        async with self.database.reading() as conn:
            left = await conn.scalar(text(
                "SELECT extract(epoch FROM locked_until - now()) FROM write_lockout "
                "WHERE staff_id = :s AND locked_until > now()"), {"s": self.staff_id})
        return float(left or 0)

    async def wrong_token(self) -> bool:
        """Count a wrong token; True when it locks the clerk's writes. One statement, so
        guesses from two tabs or two instances at once are each counted."""
        async with self.database.writing() as conn:
            count = await conn.scalar(text("""
                INSERT INTO write_lockout AS w (staff_id, wrong_tokens) VALUES (:s, 1)
                ON CONFLICT (staff_id) DO UPDATE SET wrong_tokens = w.wrong_tokens + 1
                RETURNING wrong_tokens"""), {"s": self.staff_id})
            if count < MAX_WRONG_TOKENS:
                return False
            await conn.execute(text(
                "UPDATE write_lockout SET wrong_tokens = 0, "
                "locked_until = now() + make_interval(secs => :secs) WHERE staff_id = :s"),
                {"s": self.staff_id, "secs": LOCKOUT_SECONDS})
            return True

    async def right_token(self) -> None:
        """A correct token clears the count of wrong ones."""
        async with self.database.writing() as conn:
            await conn.execute(text("UPDATE write_lockout SET wrong_tokens = 0 "
                                    "WHERE staff_id = :s AND wrong_tokens > 0"),
                               {"s": self.staff_id})


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    staff: str | None
    thread_id: str | None
    action: str
    arguments: dict[str, Any]
    outcome: str
    detail: str | None


async def audit_entries(conn: AsyncConnection, since: datetime | None = None,
                        staff: str | None = None, limit: int = 1000) -> list[AuditEntry]:
    """The trail, oldest first: write decisions, and sign-ins and sign-outs (action `sign_in`,
    with the username as typed and the client's address; assistant.throttle). `staff` is a
    username or a staff id."""
    found = await conn.execute(text("""
        SELECT at, staff, thread_id, action, arguments, outcome, detail FROM (
            SELECT a.at, s.username AS staff, a.thread_id, a.action, a.arguments, a.outcome,
                   a.detail, a.staff_id, 0 AS kind, a.audit_id AS n
            FROM write_audit a LEFT JOIN staff s USING (staff_id)
          UNION ALL
            SELECT g.at, g.username, NULL, 'sign_in', jsonb_build_object('address', g.address),
                   g.outcome, g.detail, s.staff_id, 1, g.audit_id
            FROM sign_in_audit g LEFT JOIN staff s ON s.username = g.username
        ) e
        WHERE (CAST(:since AS timestamptz) IS NULL OR e.at >= :since)
          AND (CAST(:staff AS text) IS NULL OR e.staff = :staff
               OR CAST(e.staff_id AS text) = :staff)
        ORDER BY e.at, e.kind, e.n LIMIT :limit"""),
        {"since": since, "staff": staff, "limit": limit})
    return [AuditEntry(**row) for row in found.mappings()]
