"""audit chain heads on cases, sealed checkpoints

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

GENESIS = '0' * 64


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('audit_seq', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(
            sa.Column('audit_head', sa.String(length=64), server_default=GENESIS, nullable=False)
        )
    # Existing cases: the head is their last event as it stands now.
    op.execute(
        "UPDATE cases SET "
        "audit_seq = COALESCE((SELECT MAX(e.seq) FROM audit_events e WHERE e.case_id = cases.id), 0), "
        "audit_head = COALESCE((SELECT e.hash FROM audit_events e WHERE e.case_id = cases.id "
        "ORDER BY e.seq DESC LIMIT 1), '" + GENESIS + "')"
    )
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('heads', sa.JSON(), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('audit_checkpoints')
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35 too): recreating `cases` in batch mode
    # would fail on SQLite's foreign keys from every table that points at it.
    op.drop_column('cases', 'audit_head')
    op.drop_column('cases', 'audit_seq')
