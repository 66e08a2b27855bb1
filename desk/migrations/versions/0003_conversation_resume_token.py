"""conversations.resume_token_hash: a widget resumes its conversation only with its token

Conversations from before have no hash and can be resumed by nobody: their widgets get a new
conversation on the next visit (the old transcript stays for staff).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:05:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.add_column(sa.Column('resume_token_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversations') as batch:
        batch.drop_column('resume_token_hash')
