"""policy_profiles: enterprise profiles saved with consent from the chat's 政策计算器

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 07:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'policy_profiles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('conversation_id', sa.String(length=64), nullable=True),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('notified', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_policy_profiles_conversation_id', 'policy_profiles', ['conversation_id'])


def downgrade() -> None:
    op.drop_index('ix_policy_profiles_conversation_id', table_name='policy_profiles')
    op.drop_table('policy_profiles')
