"""CHECK constraints on the statuses of conversations, handoffs and tickets (desk/queue_states.py)

The values are written out here, not imported: a migration keeps the schema it made even when the
enums grow (a new status comes with a migration that widens its constraint). Existing rows only
ever held these values, so the constraints apply without touching data.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 04:00:00
"""
from __future__ import annotations

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

CHECKS = (
    ('conversations', 'ck_conversations_status', "status IN ('bot', 'queued', 'live', 'closed')"),
    ('handoffs', 'ck_handoffs_status', "status IN ('waiting', 'claimed', 'resolved', 'returned', 'abandoned')"),
    ('tickets', 'ck_tickets_status', "status IN ('open', 'answered', 'closed')"),
)


def upgrade() -> None:
    # Batch mode: SQLite adds a constraint by copying the table (PostgreSQL alters it in place).
    for table, name, condition in CHECKS:
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(name, condition)


def downgrade() -> None:
    for table, name, _ in reversed(CHECKS):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(name, type_='check')
