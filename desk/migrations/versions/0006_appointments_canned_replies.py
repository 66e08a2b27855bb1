"""on-site appointments (locations, slot counters, bookings) and canned replies

Indexes: (location_id, day) for each day's list per location, (day, status) for the reminder sweep.
The slot row's unique (location_id, day, start) is what every booking of a slot updates.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appointment_locations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('hours', sa.String(length=200), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('appointment_slots',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.CheckConstraint('booked >= 0', name='ck_appointment_slots_booked'),
    sa.ForeignKeyConstraint(['location_id'], ['appointment_locations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('location_id', 'day', 'start', name='uq_appointment_slot')
    )
    op.create_table('appointments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('confirmation', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.String(length=100), nullable=False),
    sa.Column('item_name', sa.String(length=300), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('conversation_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('booked', 'cancelled')", name='ck_appointments_status'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.ForeignKeyConstraint(['location_id'], ['appointment_locations.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('confirmation')
    )
    op.create_index('ix_appointments_location_day', 'appointments', ['location_id', 'day'], unique=False)
    op.create_index('ix_appointments_day_status', 'appointments', ['day', 'status'], unique=False)
    op.create_table('canned_replies',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_canned_replies_department', 'canned_replies', ['department_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_canned_replies_department', table_name='canned_replies')
    op.drop_table('canned_replies')
    op.drop_index('ix_appointments_day_status', table_name='appointments')
    op.drop_index('ix_appointments_location_day', table_name='appointments')
    op.drop_table('appointments')
    op.drop_table('appointment_slots')
    op.drop_table('appointment_locations')
