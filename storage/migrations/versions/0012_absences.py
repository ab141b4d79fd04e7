"""absences (a substitute for a date range) and explicit notification recipients (user/group)

Revision ID: 0012_absences
Revises: 0011_mailbox_reads
Create Date: 2026-12-03 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_absences'
down_revision = '0011_mailbox_reads'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('absences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('substitute', sa.String(length=80), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=300), server_default='', nullable=False),
    sa.Column('declared_by', sa.String(length=80), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_by', sa.String(length=80), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_absences_username', 'absences', ['username'], unique=False)
    op.create_index(
        'ix_absences_substitute_dates', 'absences', ['substitute', 'starts_on', 'ends_on'],
        unique=False,
    )
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(
            sa.Column('recipient_kind', sa.String(length=10), server_default='user', nullable=False)
        )
    # Rows written before the kind existed were delivered to the user of that name when there
    # was one, else to the group's members: keep that reading.
    op.execute(
        "UPDATE notifications SET recipient_kind = 'group' "
        "WHERE recipient NOT IN (SELECT username FROM users) "
        "AND recipient IN (SELECT code FROM groups)"
    )


def downgrade() -> None:
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('recipient_kind')
    op.drop_index('ix_absences_substitute_dates', table_name='absences')
    op.drop_index('ix_absences_username', table_name='absences')
    op.drop_table('absences')
