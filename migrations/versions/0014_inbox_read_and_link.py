"""in-app inbox: the 站内消息 channel, when a message was read, and the page it links to
(issue 15, part 3)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:30:00

The channel is stored as text with a CHECK constraint (not a native enum type, on SQLite and
PostgreSQL alike), so the new value means replacing that constraint. Existing messages were
all sent over outside channels: they stay unread-less (read_at NULL) and linkless ("").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workflow.models

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_CHANNELS = ('email', 'dingtalk', 'wecom')
NEW_CHANNELS = (*OLD_CHANNELS, 'inapp')


def upgrade() -> None:
    with op.batch_alter_table('outgoing_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_at', workflow.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('link', sa.String(length=200), server_default=sa.text("''"), nullable=False))
        batch_op.drop_constraint(batch_op.f('ck_outgoing_messages_message_channel'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_outgoing_messages_message_channel'), sa.column('channel').in_(NEW_CHANNELS)
        )
        batch_op.create_index('ix_outgoing_messages_inbox', ['person_id', 'channel', 'read_at'], unique=False)


def downgrade() -> None:
    # The in-app copies exist only in this database's inbox; without the channel they go.
    op.execute(sa.text("DELETE FROM outgoing_messages WHERE channel = 'inapp'"))
    with op.batch_alter_table('outgoing_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_messages_inbox')
        batch_op.drop_constraint(batch_op.f('ck_outgoing_messages_message_channel'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_outgoing_messages_message_channel'), sa.column('channel').in_(OLD_CHANNELS)
        )
        batch_op.drop_column('link')
        batch_op.drop_column('read_at')
