"""A clerk's signed-in session: one shift long, ended on the server when the clerk signs out,
and refused as soon as the clerk is disabled.

Chainlit signs a sign-in token (a JWT in the `access_token` cookie) that expires after
`PAGILA_SESSION_HOURS`. Signing out clears the cookie and records the moment in
`staff_sign_out`; a token issued before that moment is no longer accepted (a copied cookie,
another tab), nor is any token of a clerk who is no longer active. The check runs on every
request to the chat that carries a token (assistant.api.middleware.SignedOutTokens) and before
every chat message (assistant.chat_ui).
"""

import asyncio
import math
import time
from typing import Any

import jwt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from assistant.db import Database

SIGNED_OUT = "signed_out"
INACTIVE = "inactive"
EXPIRED = "expired"  # or not a token of ours at all


def claims_of(token: str, secret: str) -> dict[str, Any] | None:
    """The token's claims when it is ours (signature) and current (expiry), else None."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"],
                            options={"require": ["exp", "iat"]})
    except jwt.InvalidTokenError:
        return None
    return claims if isinstance(claims.get("identifier"), str) else None


async def refusal(conn: AsyncConnection, username: str, issued_at: float) -> str | None:
    """Why a token of `username` issued at `issued_at` (epoch seconds) no longer signs anyone
    in, or None when it still does. A token's `iat` counts whole seconds: one issued in the
    second of a sign-out counts as signed out (see wait_past_sign_out)."""
    row = (await conn.execute(text("""
        SELECT s.active, extract(epoch FROM o.signed_out_at) AS signed_out
        FROM staff s LEFT JOIN staff_sign_out o USING (staff_id)
        WHERE s.username = :u"""), {"u": username})).first()
    if row is None or not row.active:
        return INACTIVE
    if row.signed_out is not None and issued_at <= math.floor(row.signed_out):
        return SIGNED_OUT
    return None


async def token_refusal(database: Database, token: str, secret: str) -> str | None:
    """Why `token` no longer signs anyone in (expired, signed out, inactive), or None."""
    claims = claims_of(token, secret)
    if claims is None:
        return EXPIRED
    async with database.reading() as conn:
        return await refusal(conn, claims["identifier"], claims["iat"])


async def record_sign_out(database: Database, token: str | None, secret: str,
                          address: str) -> str | None:
    """End the session of `token` (and every earlier one of its clerk) on the server; the
    clerk's username, or None when the token signs nobody in."""
    claims = claims_of(token, secret) if token else None
    if claims is None:
        return None
    username = claims["identifier"]
    async with database.writing() as conn:
        await conn.execute(text("""
            INSERT INTO staff_sign_out AS o (staff_id, signed_out_at)
            SELECT staff_id, to_timestamp(:at) FROM staff WHERE username = :u
            ON CONFLICT (staff_id) DO UPDATE
                SET signed_out_at = greatest(o.signed_out_at, EXCLUDED.signed_out_at)"""),
            {"u": username, "at": time.time()})
        await conn.execute(text(
            "INSERT INTO sign_in_audit (username, address, outcome) "
            "VALUES (:u, :a, 'signed_out')"), {"u": username, "a": address})
    return username


async def wait_past_sign_out(database: Database, staff_id: int) -> None:
    """Before a new token is issued: if the clerk signed out within this very second, wait for
    the next one (under a second), or the new token would count as signed out."""
    async with database.reading() as conn:
        signed_out = await conn.scalar(text(
            "SELECT extract(epoch FROM signed_out_at) FROM staff_sign_out WHERE staff_id = :s"),
            {"s": staff_id})
    if signed_out is None:
        return
    wait = math.floor(float(signed_out)) + 1 - time.time()
    if wait > 0:
        await asyncio.sleep(min(wait, 1.0))
