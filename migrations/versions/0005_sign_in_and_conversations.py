"""Who is at the counter: saved conversations, the agents' history, the write audit trail and
the wrong-token lockout, all in the store's own database (so a second instance sees them).

- Chainlit's SQLAlchemy data layer tables (users, threads, steps, elements, feedbacks), as its
  documented DDL has them plus the columns that DDL misses (`steps."autoCollapse"`,
  `steps.modes`, `steps.icon`, `elements."autoPlay"`, `elements."playerConfig"`): without them
  every insert fails with only a log line.
- `conversation`: the agents' history of each saved conversation (thread), written after every
  turn, so resuming it (on any instance) restores the context a follow-up needs.
- `write_audit`: every write decision (proposed, confirmed, cancelled, wrong token, locked,
  executed, failed...) with the clerk, the conversation, the action and its arguments.
- `write_lockout`: wrong admin tokens per clerk; a reload or a restart doesn't reset it.

Revision ID: 0005_sign_in_and_conversations
Revises: 0004_late_fees_and_payments
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_sign_in_and_conversations"
down_revision: str | None = "0004_late_fees_and_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHAINLIT = """
CREATE TABLE users (
    "id" uuid PRIMARY KEY,
    "identifier" text NOT NULL UNIQUE,
    "metadata" jsonb NOT NULL,
    "createdAt" text
);

CREATE TABLE threads (
    "id" uuid PRIMARY KEY,
    "createdAt" text,
    "name" text,
    "userId" uuid REFERENCES users ("id") ON DELETE CASCADE,
    "userIdentifier" text,
    "tags" text[],
    "metadata" jsonb
);
CREATE INDEX idx_threads_user ON threads ("userId", "createdAt");

CREATE TABLE steps (
    "id" uuid PRIMARY KEY,
    "name" text NOT NULL,
    "type" text NOT NULL,
    "threadId" uuid NOT NULL REFERENCES threads ("id") ON DELETE CASCADE,
    "parentId" uuid,
    "streaming" boolean NOT NULL,
    "waitForAnswer" boolean,
    "isError" boolean,
    "metadata" jsonb,
    "tags" text[],
    "input" text,
    "output" text,
    "createdAt" text,
    "command" text,
    "modes" jsonb,
    "start" text,
    "end" text,
    "generation" jsonb,
    "showInput" text,
    "language" text,
    "indent" integer,
    "defaultOpen" boolean,
    "autoCollapse" boolean,
    "icon" text
);
CREATE INDEX idx_steps_thread ON steps ("threadId", "createdAt");

CREATE TABLE elements (
    "id" uuid PRIMARY KEY,
    "threadId" uuid REFERENCES threads ("id") ON DELETE CASCADE,
    "type" text,
    "url" text,
    "chainlitKey" text,
    "name" text NOT NULL,
    "display" text,
    "objectKey" text,
    "size" text,
    "page" integer,
    "language" text,
    "forId" uuid,
    "mime" text,
    "props" jsonb,
    "autoPlay" boolean,
    "playerConfig" jsonb
);
CREATE INDEX idx_elements_thread ON elements ("threadId");

CREATE TABLE feedbacks (
    "id" uuid PRIMARY KEY,
    "forId" uuid NOT NULL,
    "threadId" uuid NOT NULL REFERENCES threads ("id") ON DELETE CASCADE,
    "value" integer NOT NULL,
    "comment" text
);
"""

COUNTER = """
CREATE TABLE conversation (
    thread_id uuid PRIMARY KEY,
    staff_id integer NOT NULL REFERENCES staff (staff_id),
    messages jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE write_audit (
    audit_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    staff_id integer REFERENCES staff (staff_id),
    thread_id text,
    action text NOT NULL,
    arguments jsonb NOT NULL DEFAULT '{}',
    outcome text NOT NULL,
    detail text
);
CREATE INDEX idx_write_audit_at ON write_audit (at);
CREATE INDEX idx_write_audit_staff ON write_audit (staff_id, at);

CREATE TABLE write_lockout (
    staff_id integer PRIMARY KEY REFERENCES staff (staff_id),
    wrong_tokens integer NOT NULL DEFAULT 0,
    locked_until timestamptz
);
"""


def upgrade() -> None:
    op.execute(CHAINLIT)
    op.execute(COUNTER)


def downgrade() -> None:
    op.execute("DROP TABLE write_lockout, write_audit, conversation, "
               "feedbacks, elements, steps, threads, users")
