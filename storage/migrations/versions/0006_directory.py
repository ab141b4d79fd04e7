"""directory: organisms as data (category, active, merges, former names), positions, changes

Revision ID: 0006_directory
Revises: 0005_workbench
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_directory'
down_revision = '0005_workbench'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(
            sa.Column('position', sa.String(length=200), server_default='', nullable=False)
        )
    with op.batch_alter_table('groups') as batch:
        batch.add_column(
            sa.Column('category', sa.String(length=40), server_default='', nullable=False)
        )
        batch.add_column(sa.Column('active', sa.Boolean(), server_default='1', nullable=False))
        batch.add_column(sa.Column('merged_into', sa.String(length=80), nullable=True))
    op.create_table('group_former_names',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(
        'ix_group_former_names_group_id', 'group_former_names', ['group_id'], unique=False
    )
    op.create_table('directory_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_directory_changes_at', 'directory_changes', ['at'], unique=False)
    op.create_index('ix_directory_changes_subject', 'directory_changes', ['subject'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_directory_changes_subject', table_name='directory_changes')
    op.drop_index('ix_directory_changes_at', table_name='directory_changes')
    op.drop_table('directory_changes')
    op.drop_index('ix_group_former_names_group_id', table_name='group_former_names')
    op.drop_table('group_former_names')
    with op.batch_alter_table('groups') as batch:
        batch.drop_column('merged_into')
        batch.drop_column('active')
        batch.drop_column('category')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('position')
