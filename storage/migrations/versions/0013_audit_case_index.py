"""audit events: drop the index on case_id alone, which the unique (case_id, seq) index covers

Revision ID: 0013_audit_case_index
Revises: 0012_absences
Create Date: 2026-12-04 20:00:00
"""
from alembic import op


revision = '0013_audit_case_index'
down_revision = '0012_absences'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_audit_events_case_id', table_name='audit_events')


def downgrade() -> None:
    op.create_index('ix_audit_events_case_id', 'audit_events', ['case_id'], unique=False)
