"""formal review: a plan's 形式审查 per round, one notice per unit with its gaps and its
registered PDF, and the supplies (补正材料) that arrived after it (issue 14, part 3)

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06 18:10:00

New tables only, self-contained (issue 14's experts add 0008 beside it; at merge this is
re-chained after 0008). Existing plans have no formal review.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workflow.models

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('formal_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('basis', sa.String(length=10), nullable=False),
    sa.Column('opened_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', workflow.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['people.id'], name=op.f('fk_formal_reviews_closed_by_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['people.id'], name=op.f('fk_formal_reviews_opened_by_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_formal_reviews_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_formal_reviews')),
    sa.UniqueConstraint('plan_id', 'round', name=op.f('uq_formal_reviews_plan_id_round'))
    )
    with op.batch_alter_table('formal_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_formal_reviews_plan_id'), ['plan_id'], unique=False)

    op.create_table('formal_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('unit_name', sa.String(length=200), nullable=False),
    sa.Column('gaps', sa.JSON(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['issued_reports.id'], name=op.f('fk_formal_notices_report_id_issued_reports'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['review_id'], ['formal_reviews.id'], name=op.f('fk_formal_notices_review_id_formal_reviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_formal_notices_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_formal_notices')),
    sa.UniqueConstraint('review_id', 'unit_name', name=op.f('uq_formal_notices_review_id_unit_name'))
    )
    with op.batch_alter_table('formal_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_formal_notices_review_id'), ['review_id'], unique=False)

    op.create_table('formal_supplies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('supplied_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_formal_supplies_evidence_id_evidence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['formal_notices.id'], name=op.f('fk_formal_supplies_notice_id_formal_notices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['formal_reviews.id'], name=op.f('fk_formal_supplies_review_id_formal_reviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_formal_supplies')),
    sa.UniqueConstraint('evidence_id', name=op.f('uq_formal_supplies_evidence_id'))
    )
    with op.batch_alter_table('formal_supplies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_formal_supplies_review_id'), ['review_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('formal_supplies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_formal_supplies_review_id'))

    op.drop_table('formal_supplies')
    with op.batch_alter_table('formal_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_formal_notices_review_id'))

    op.drop_table('formal_notices')
    with op.batch_alter_table('formal_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_formal_reviews_plan_id'))

    op.drop_table('formal_reviews')
