"""cases.outcome: how a finished case turned out, in words (its end event's outcome)

Revision ID: 0008_inbox2
Revises: 0007_inbox
Create Date: 2026-12-01 15:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_inbox2'
down_revision = '0007_inbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('outcome', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('outcome')
