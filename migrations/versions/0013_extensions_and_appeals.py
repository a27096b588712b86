"""extensions (延期) and appeals (申诉): requests, answers, and a measure's original dates (issue 15, part 2)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:30:00

Existing measures have no extension: no original dates, a count of 0.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workflow.models

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=30)


def upgrade() -> None:
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('original_rectification_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('extension_count', sa.Integer(), server_default=sa.text('0'), nullable=False))

    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('ground', _enum('appeal_ground', 'wording', 'explanation', 'follow_up'), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', _enum('appeal_state', 'pending', 'answered'), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('upheld', sa.Boolean(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', workflow.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['people.id'], name=op.f('fk_appeals_answered_by_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['filed_by_id'], ['people.id'], name=op.f('fk_appeals_filed_by_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], name=op.f('fk_appeals_measure_id_measures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_appeals_review_id_reviews'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_appeals_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals')),
    sa.UniqueConstraint('review_id', name=op.f('uq_appeals_review_id'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_measure_id'), ['measure_id'], unique=False)

    op.create_table('extension_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('target', _enum('extension_target', 'due_on', 'rectification_due'), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=False),
    sa.Column('requested_to', sa.Date(), nullable=False),
    sa.Column('approved_to', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', _enum('extension_state', 'requested', 'approved', 'rejected', 'withdrawn'), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', workflow.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_extension_requests_appeal_id_appeals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['people.id'], name=op.f('fk_extension_requests_decided_by_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], name=op.f('fk_extension_requests_measure_id_measures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['people.id'], name=op.f('fk_extension_requests_requested_by_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_extension_requests_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extension_requests'))
    )
    with op.batch_alter_table('extension_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extension_requests_measure_id'), ['measure_id'], unique=False)
        batch_op.create_index('uq_extension_requests_open', ['measure_id'], unique=True,
                              sqlite_where=sa.text("state = 'requested'"),
                              postgresql_where=sa.text("state = 'requested'"))


def downgrade() -> None:
    with op.batch_alter_table('extension_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_extension_requests_open')
        batch_op.drop_index(batch_op.f('ix_extension_requests_measure_id'))
    op.drop_table('extension_requests')

    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_measure_id'))
    op.drop_table('appeals')

    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.drop_column('extension_count')
        batch_op.drop_column('original_rectification_due')
        batch_op.drop_column('original_due_on')
