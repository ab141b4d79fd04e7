"""pending_attachments: files kept while their form is refused for another field

Revision ID: 0007_inbox
Revises: 0006_directory
Create Date: 2026-12-01 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_inbox'
down_revision = '0006_directory'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=80), nullable=False),
    sa.Column('form', sa.String(length=120), nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_pending_attachments_owner_form', 'pending_attachments', ['owner', 'form'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pending_attachments_owner_form', table_name='pending_attachments')
    op.drop_table('pending_attachments')
