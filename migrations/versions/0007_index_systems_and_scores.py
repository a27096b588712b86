"""index systems and scores: a plan's evaluation index system, its indicators, self and
expert scores (issue 14)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 16:12:15

New tables only; existing plans have no index system and no score.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workflow.models

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('index_systems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('total', workflow.models.DecimalText(length=40), nullable=False),
    sa.Column('bonus_total', workflow.models.DecimalText(length=40), nullable=True),
    sa.Column('grades', sa.JSON(), nullable=False),
    sa.Column('consolidation', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('source_name', sa.String(length=500), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('loaded_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('self_scoring_closed_at', workflow.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_index_systems_person_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_index_systems_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_index_systems')),
    sa.UniqueConstraint('plan_id', name=op.f('uq_index_systems_plan_id'))
    )
    op.create_table('index_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('points', workflow.models.DecimalText(length=40), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('parent_code', sa.String(length=20), nullable=True),
    sa.Column('bonus', sa.Boolean(), nullable=False),
    sa.Column('veto', sa.Boolean(), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.Column('evidence_slots', sa.JSON(), nullable=False),
    sa.Column('measure_refs', sa.JSON(), nullable=False),
    sa.Column('metric_names', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['system_id'], ['index_systems.id'], name=op.f('fk_index_indicators_system_id_index_systems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_index_indicators')),
    sa.UniqueConstraint('system_id', 'code', name=op.f('uq_index_indicators_system_id_code'))
    )
    with op.batch_alter_table('index_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_indicators_system_id'), ['system_id'], unique=False)

    op.create_table('expert_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('points', workflow.models.DecimalText(length=40), nullable=True),
    sa.Column('met', sa.Boolean(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('scored_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['people.id'], name=op.f('fk_expert_scores_expert_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['indicator_id'], ['index_indicators.id'], name=op.f('fk_expert_scores_indicator_id_index_indicators'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_scores')),
    sa.UniqueConstraint('indicator_id', 'round', 'expert_id', name=op.f('uq_expert_scores_indicator_id_round_expert_id'))
    )
    with op.batch_alter_table('expert_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_scores_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('self_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('points', workflow.models.DecimalText(length=40), nullable=True),
    sa.Column('met', sa.Boolean(), nullable=True),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('evidence_ids', sa.JSON(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('scored_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['index_indicators.id'], name=op.f('fk_self_scores_indicator_id_index_indicators'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_self_scores_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_scores')),
    sa.UniqueConstraint('indicator_id', 'round', name=op.f('uq_self_scores_indicator_id_round'))
    )
    with op.batch_alter_table('self_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_scores_indicator_id'), ['indicator_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('self_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_scores_indicator_id'))

    op.drop_table('self_scores')
    with op.batch_alter_table('expert_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_scores_indicator_id'))

    op.drop_table('expert_scores')
    with op.batch_alter_table('index_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_indicators_system_id'))

    op.drop_table('index_indicators')
    op.drop_table('index_systems')
