"""task_followups: a person's own follow-up date on an open task ("recordarme el…")

Revision ID: 0010_followups
Revises: 0009_comments
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_followups'
down_revision = '0009_comments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('task_followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'username')
    )
    op.create_index('ix_task_followups_username_on', 'task_followups', ['username', 'follow_up_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_task_followups_username_on', table_name='task_followups')
    op.drop_table('task_followups')
