"""The store's clerks: who may sign in, and their passwords.

Passwords are argon2id hashes (argon2-cffi). The official Pagila dump stores Sakila's unsalted
SHA-1 (of `12345`); such a hash is accepted once, and replaced by an argon2 hash in the same
transaction as that first successful sign-in. Inactive staff are refused, whatever they type.
"""

import asyncio
import hashlib
import hmac
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_hasher = PasswordHasher()
_LEGACY_SHA1 = re.compile(r"^[0-9a-f]{40}$")
MIN_PASSWORD_LENGTH = 8  # for passwords set here; the official dump's `12345` predates us
# A hash to verify against when the username is unknown, so that case takes as long as a
# wrong password (no user enumeration by timing).
_DECOY = _hasher.hash("not a password of anyone's")


@dataclass(frozen=True)
class Clerk:
    staff_id: int
    username: str
    name: str
    store_id: int


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def sign_in(conn: AsyncConnection, username: str, password: str) -> Clerk | None:
    """The clerk when the username and password match an active member of staff, else None.
    `conn` must be in a transaction: a legacy hash is upgraded in it."""
    row = (await conn.execute(text(
        "SELECT staff_id, username, first_name || ' ' || last_name AS name, store_id, active, "
        "password FROM staff WHERE username = :u FOR UPDATE"), {"u": username})).mappings().first()
    stored = row["password"] if row else None
    matched, upgrade = await asyncio.to_thread(_verify, stored or _DECOY, password)
    if not (row and stored and matched and row["active"]):
        return None
    if upgrade:
        await conn.execute(text("UPDATE staff SET password = :p WHERE staff_id = :s"),
                           {"p": await asyncio.to_thread(hash_password, password),
                            "s": row["staff_id"]})
    return Clerk(row["staff_id"], row["username"], row["name"], row["store_id"])


async def refuse_like_a_wrong_password(password: str) -> None:
    """Spend the time checking a wrong password takes, for a refusal that checks none (a locked
    sign-in): the two must not be told apart by timing."""
    await asyncio.to_thread(_verify, _DECOY, password)


def _verify(stored: str, password: str) -> tuple[bool, bool]:
    """(matches, needs a new hash). Runs in a thread: argon2 takes tens of milliseconds."""
    if _LEGACY_SHA1.match(stored):
        given = hashlib.sha1(password.encode()).hexdigest()  # noqa: S324 (the dump's format)
        return hmac.compare_digest(given, stored), True
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, _hasher.check_needs_rehash(stored)


async def set_password(conn: AsyncConnection, username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    done = await conn.execute(text("UPDATE staff SET password = :p WHERE username = :u"),
                              {"p": await asyncio.to_thread(hash_password, password),
                               "u": username})
    if done.rowcount != 1:
        raise ValueError(f"no member of staff has the username {username!r}")


async def is_active(conn: AsyncConnection, staff_id: int) -> bool:
    return bool(await conn.scalar(text("SELECT active FROM staff WHERE staff_id = :s"),
                                  {"s": staff_id}))
