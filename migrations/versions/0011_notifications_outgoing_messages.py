"""notifications: people's channels and the record of outgoing messages (issue 15, part 1)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 19:51:51

Existing people get empty channels (nothing is sent to them until the office sets one); the
message table starts empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workflow.models

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outgoing_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'dingtalk', 'wecom', name='message_channel', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('event_kind', sa.String(length=40), nullable=False),
    sa.Column('event_key', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'failed', 'gave_up', name='message_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', workflow.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('created_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', workflow.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_outgoing_messages_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_messages')),
    sa.UniqueConstraint('person_id', 'channel', 'event_key', name=op.f('uq_outgoing_messages_person_id_channel_event_key'))
    )
    with op.batch_alter_table('outgoing_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outgoing_messages_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_messages_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column('dingtalk_userid', sa.String(length=64), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column('wecom_userid', sa.String(length=64), server_default=sa.text("''"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('wecom_userid')
        batch_op.drop_column('dingtalk_userid')
        batch_op.drop_column('email')

    with op.batch_alter_table('outgoing_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_messages_person_id'))
        batch_op.drop_index('ix_outgoing_messages_due')

    op.drop_table('outgoing_messages')
