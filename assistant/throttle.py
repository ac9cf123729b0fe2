"""Sign-in throttling: failed sign-ins are limited per username and per client address.

A few failures are free; after them each attempt waits longer before it is answered (1, 2,
4, then 8 seconds: `asyncio.sleep`, never a blocking one), and too many lock the username (or
the address) for some minutes. A locked attempt is answered exactly as a wrong password is:
the same refusal, after the same wait and the same password-hashing work, so a lock tells an
outsider nothing about which usernames exist. A successful sign-in clears its username's count.

The counts live in the database (`sign_in_throttle`), so a restart or a second instance
doesn't reset them, and an attempt is counted *before* its password is checked: a burst of
parallel guesses is counted in full, and the ones past the limit are never checked. Every
attempt is written to `sign_in_audit` (`pagila-assistant audit` shows it).

The client's address comes from `CLIENT_ADDRESS`, which an ASGI middleware of the parent app
sets for each request (Chainlit's password callback only receives the username and password).
"""

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.db import Database
from assistant.staff import Clerk, refuse_like_a_wrong_password, sign_in

CLIENT_ADDRESS: ContextVar[str] = ContextVar("client_address", default="unknown")
MAX_USERNAME = 150  # what is kept of a typed username (the counts' key, the audit trail)


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 3  # per username: failures answered at once
    lock_after: int = 10  # per username: the failure that locks it
    address_free_failures: int = 10  # per address (a shop's clerks may share one)
    address_lock_after: int = 30
    first_delay: float = 1.0  # seconds, doubled by each failure past the free ones...
    max_delay: float = 8.0  # ...up to this; a locked attempt waits this long too
    lock_minutes: float = 15
    window_minutes: float = 15  # failures older than this are forgotten

    def delay(self, excess: int) -> float:
        """The wait before answering an attempt `excess` failures past the free ones."""
        return 0.0 if excess <= 0 else min(self.first_delay * 2 ** (excess - 1), self.max_delay)


POLICY = ThrottlePolicy()


@dataclass(frozen=True)
class Count:
    subject: str
    failures: int  # attempts not followed by a success, this one included
    locked: bool  # locked before this attempt
    free: int
    lock_after: int

    @property
    def over(self) -> bool:
        return self.locked or self.failures > self.lock_after


async def attempt_sign_in(database: Database, username: str, password: str,
                          address: str | None = None) -> Clerk | None:
    """The clerk when the sign-in succeeds; None when it is refused (a wrong username or
    password, an inactive clerk, or a lock: the caller can't and mustn't tell which)."""
    policy = POLICY
    address = address or CLIENT_ADDRESS.get()
    typed = username[:MAX_USERNAME]
    async with database.writing() as conn:
        counts = [
            await _count_attempt(conn, f"user:{typed.casefold()}", policy.free_failures,
                                 policy.lock_after, policy),
            await _count_attempt(conn, f"address:{address}", policy.address_free_failures,
                                 policy.address_lock_after, policy),
        ]
        locked = [count for count in counts if count.over]
        for count in locked:
            await _lock(conn, count.subject, policy)
        # Forget what is long past (counts of usernames nobody has tried for a day).
        await conn.execute(text(
            "DELETE FROM sign_in_throttle WHERE last_attempt_at < now() - interval '1 day' "
            "AND (locked_until IS NULL OR locked_until < now())"))
    if locked:
        await _wait(policy.max_delay)
        await refuse_like_a_wrong_password(password)
        await _audit(database, typed, address, "locked",
                     f"{_subjects(locked)} locked: the password was not checked")
        return None

    await _wait(policy.delay(max(c.failures - c.free for c in counts)))
    async with database.writing() as conn:
        clerk = await sign_in(conn, username, password)
        if clerk is not None:
            await conn.execute(text("DELETE FROM sign_in_throttle WHERE subject = :s"),
                               {"s": counts[0].subject})
            await conn.execute(text(  # this attempt was counted as a failure of the address
                "UPDATE sign_in_throttle SET failures = greatest(failures - 1, 0) "
                "WHERE subject = :s AND locked_until IS NULL"), {"s": counts[1].subject})
            await _audit_in(conn, typed, address, "signed_in", None)
            return clerk
        now_locked = [count for count in counts if count.failures >= count.lock_after]
        for count in now_locked:
            await _lock(conn, count.subject, policy)
        if now_locked:
            await _audit_in(conn, typed, address, "locked",
                            f"{_subjects(now_locked)} locked for {policy.lock_minutes:g} "
                            "minutes after too many failures")
        else:
            await _audit_in(conn, typed, address, "refused",
                            f"{counts[0].failures} failed in a row")
    return None


async def _wait(seconds: float) -> None:
    """The wait before an answer: asyncio's, so the server serves everyone else meanwhile."""
    if seconds > 0:
        await asyncio.sleep(seconds)


async def _count_attempt(conn: AsyncConnection, subject: str, free: int, lock_after: int,
                         policy: ThrottlePolicy) -> Count:
    """Count one more attempt of `subject` (one statement: parallel attempts all count). A lock
    that has run out, or failures older than the window, start the count again."""
    row = (await conn.execute(text("""
        INSERT INTO sign_in_throttle AS t (subject, failures, last_attempt_at)
        VALUES (:s, 1, now())
        ON CONFLICT (subject) DO UPDATE SET
            failures = CASE
                WHEN t.locked_until > now() THEN t.failures
                WHEN t.locked_until IS NOT NULL
                     OR t.last_attempt_at < now() - make_interval(secs => :window) THEN 1
                ELSE t.failures + 1 END,
            locked_until = CASE WHEN t.locked_until > now() THEN t.locked_until END,
            last_attempt_at = now()
        RETURNING failures, coalesce(locked_until > now(), false) AS locked"""),
        {"s": subject, "window": policy.window_minutes * 60})).one()
    return Count(subject, row.failures, row.locked, free, lock_after)


async def _lock(conn: AsyncConnection, subject: str, policy: ThrottlePolicy) -> None:
    await conn.execute(text(
        "UPDATE sign_in_throttle SET locked_until = now() + make_interval(secs => :secs) "
        "WHERE subject = :s AND (locked_until IS NULL OR locked_until <= now())"),
        {"s": subject, "secs": policy.lock_minutes * 60})


def _subjects(counts: list[Count]) -> str:
    return " and ".join(count.subject.split(":", 1)[0] for count in counts)


async def _audit(database: Database, username: str, address: str, outcome: str,
                 detail: str | None) -> None:
    async with database.writing() as conn:
        await _audit_in(conn, username, address, outcome, detail)


async def _audit_in(conn: AsyncConnection, username: str, address: str, outcome: str,
                    detail: str | None) -> None:
    await conn.execute(text(
        "INSERT INTO sign_in_audit (username, address, outcome, detail) "
        "VALUES (:u, :a, :o, :d)"), {"u": username, "a": address, "o": outcome, "d": detail})
