"""remote help (远程帮办): help sessions, checklist entries, files, draft fields, events

Statuses are written out here (desk/remote_help/states.py holds the enums): a migration keeps the
schema it made even when the enums grow.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 07:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'remote_helps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.String(length=64), nullable=False),
        sa.Column('item_id', sa.String(length=100), nullable=False),
        sa.Column('item_name', sa.String(length=300), nullable=False),
        sa.Column('department', sa.String(length=200), nullable=False),
        sa.Column('online_url', sa.String(length=500), nullable=False),
        sa.Column('location', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('started_by', sa.Integer(), nullable=True),
        sa.Column('summary', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('active', 'completed', 'cancelled')", name='ck_remote_helps_status'),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id']),
        sa.ForeignKeyConstraint(['started_by'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_remote_helps_conversation_id', 'remote_helps', ['conversation_id'])
    op.create_table(
        'remote_help_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('help_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('marked_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'submitted', 'accepted', 'needs_fix', 'missing')",
                           name='ck_remote_help_entries_status'),
        sa.ForeignKeyConstraint(['help_id'], ['remote_helps.id']),
        sa.ForeignKeyConstraint(['marked_by'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_remote_help_entries_help_id', 'remote_help_entries', ['help_id'])
    op.create_table(
        'remote_help_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('help_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('media_type', sa.String(length=32), nullable=False),
        sa.Column('display_name', sa.String(length=200), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['help_id'], ['remote_helps.id']),
        sa.ForeignKeyConstraint(['entry_id'], ['remote_help_entries.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_remote_help_files_help_id', 'remote_help_files', ['help_id'])
    op.create_index('ix_remote_help_files_entry_id', 'remote_help_files', ['entry_id'])
    op.create_table(
        'remote_help_fields',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('help_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['help_id'], ['remote_helps.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('help_id', 'name', name='uq_remote_help_field'),
    )
    op.create_index('ix_remote_help_fields_help_id', 'remote_help_fields', ['help_id'])
    op.create_table(
        'remote_help_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('help_id', sa.Integer(), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['help_id'], ['remote_helps.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_remote_help_events_help_id', 'remote_help_events', ['help_id'])


def downgrade() -> None:
    for table in ('remote_help_events', 'remote_help_fields', 'remote_help_files', 'remote_help_entries',
                  'remote_helps'):
        op.drop_table(table)
