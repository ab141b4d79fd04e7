"""Buzón: the task each notice is about, and how far each person has read

Revision ID: 0011_mailbox_reads
Revises: 0010_followups
Create Date: 2026-12-03 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_mailbox_reads'
down_revision = '0010_followups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('task_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_notifications_task_id_tasks', 'tasks', ['task_id'], ['id'])
    op.create_table('mailbox_reads',
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('read_up_to', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username')
    )


def downgrade() -> None:
    op.drop_table('mailbox_reads')
    with op.batch_alter_table('notifications') as batch:
        batch.drop_constraint('fk_notifications_task_id_tasks', type_='foreignkey')
        batch.drop_column('task_id')
