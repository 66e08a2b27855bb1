"""demands, departments, notification outbox (the demand workflow, desk/demands)

Indexes: (status, due_date) for the reminder sweep and lists by state, (department_id, created_at)
for a department's list and report, (overdue, due_date) for the supervisors' overdue board in due order.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 00:43:20.661203
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('departments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('catalog_name', sa.String(length=100), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('catalog_name'),
    sa.UniqueConstraint('name')
    )
    op.create_table('demands',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tracking_number', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=8), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('enterprise_name', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=64), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('handler_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('time_limit_days', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('remind_date', sa.Date(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('extension_days', sa.Integer(), nullable=True),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('return_count', sa.Integer(), nullable=False),
    sa.Column('rating', sa.String(length=8), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ),
    sa.ForeignKeyConstraint(['handler_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tracking_number')
    )
    with op.batch_alter_table('demands', schema=None) as batch_op:
        batch_op.create_index('ix_demands_department_created', ['department_id', 'created_at'], unique=False)
        batch_op.create_index('ix_demands_overdue_due', ['overdue', 'due_date'], unique=False)
        batch_op.create_index('ix_demands_status_due', ['status', 'due_date'], unique=False)

    op.create_table('demand_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['demand_id'], ['demands.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('demand_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demand_events_demand_id'), ['demand_id'], unique=False)

    op.create_table('notification_outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['demand_id'], ['demands.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_outbox_demand_id'), ['demand_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_outbox_status'), ['status'], unique=False)

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_staff_department_id', 'departments', ['department_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_constraint('fk_staff_department_id', type_='foreignkey')
        batch_op.drop_column('department_id')

    with op.batch_alter_table('notification_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_outbox_status'))
        batch_op.drop_index(batch_op.f('ix_notification_outbox_demand_id'))

    op.drop_table('notification_outbox')
    with op.batch_alter_table('demand_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_events_demand_id'))

    op.drop_table('demand_events')
    with op.batch_alter_table('demands', schema=None) as batch_op:
        batch_op.drop_index('ix_demands_status_due')
        batch_op.drop_index('ix_demands_overdue_due')
        batch_op.drop_index('ix_demands_department_created')

    op.drop_table('demands')
    op.drop_table('departments')
