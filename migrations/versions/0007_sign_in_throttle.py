"""Sign-in throttling, the sign-in audit trail and server-side sign-out.

- `sign_in_throttle`: failed sign-ins per username and per client address (`subject` is
  `user:<username>` or `address:<ip>`), with the lock they lead to; in the database, so a
  restart or a second instance doesn't reset them (assistant.throttle).
- `sign_in_audit`: every sign-in attempt (signed in, refused, locked) and sign-out, with the
  username as typed and the client's address (`pagila-assistant audit` shows them with the
  write audit trail). No key to `staff`: most refused usernames are nobody's.
- `staff_sign_out`: when each clerk last signed out; a sign-in token issued before it is no
  longer accepted (assistant.sessions).

Revision ID: 0007_sign_in_throttle
Revises: 0006_reads_at_scale
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_sign_in_throttle"
down_revision: str | None = "0006_reads_at_scale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = """
CREATE TABLE sign_in_throttle (
    subject text PRIMARY KEY,
    failures integer NOT NULL DEFAULT 0,
    last_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz
);
CREATE INDEX idx_sign_in_throttle_last_attempt ON sign_in_throttle (last_attempt_at);

CREATE TABLE sign_in_audit (
    audit_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    username text NOT NULL,
    address text NOT NULL,
    outcome text NOT NULL,
    detail text
);
CREATE INDEX idx_sign_in_audit_at ON sign_in_audit (at);
CREATE INDEX idx_sign_in_audit_username ON sign_in_audit (username, at);

CREATE TABLE staff_sign_out (
    staff_id integer PRIMARY KEY REFERENCES staff (staff_id) ON DELETE CASCADE,
    signed_out_at timestamptz NOT NULL
);
"""


def upgrade() -> None:
    op.execute(TABLES)


def downgrade() -> None:
    op.execute("DROP TABLE staff_sign_out, sign_in_audit, sign_in_throttle")
