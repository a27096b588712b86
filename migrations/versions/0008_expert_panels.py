"""expert panels: the 专家 role, a person's organisation, plan_experts, expert rounds, the
组长's consolidated scores and expert opinions (issue 14, part 4)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 18:20:00

The role is stored as VARCHAR with a CHECK constraint (`ck_people_person_role`), so adding
`expert` rewrites that constraint (batch mode on SQLite copies the table; PostgreSQL alters
it in place). Existing people get an empty organisation; there are no panels yet.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workflow.models

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = ('member', 'reviewer', 'admin')
NEW_ROLES = (*OLD_ROLES, 'expert')


def _role(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name='person_role', native_enum=False, create_constraint=True, length=30)


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation', sa.String(length=200), server_default='', nullable=False))
        batch_op.drop_constraint(batch_op.f('ck_people_person_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_people_person_role'), sa.column('role').in_(NEW_ROLES))
    # The default only fills the existing rows: new ones get theirs from the model, as elsewhere.
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.alter_column('organisation', existing_type=sa.String(length=200), server_default=None)

    op.create_table('plan_experts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('is_leader', sa.Boolean(), nullable=False),
    sa.Column('assigned_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['people.id'], name=op.f('fk_plan_experts_assigned_by_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_plan_experts_person_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_experts_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_experts')),
    sa.UniqueConstraint('plan_id', 'person_id', name=op.f('uq_plan_experts_plan_id_person_id'))
    )
    with op.batch_alter_table('plan_experts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_experts_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_experts_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_plan_experts_leader', ['plan_id'], unique=True,
                              sqlite_where=sa.text('is_leader'), postgresql_where=sa.text('is_leader'))

    op.create_table('expert_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('opened_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('finalised_at', workflow.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('finalised_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['finalised_by_id'], ['people.id'], name=op.f('fk_expert_rounds_finalised_by_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['people.id'], name=op.f('fk_expert_rounds_opened_by_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_expert_rounds_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_rounds')),
    sa.UniqueConstraint('plan_id', 'round', name=op.f('uq_expert_rounds_plan_id_round'))
    )
    with op.batch_alter_table('expert_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_rounds_plan_id'), ['plan_id'], unique=False)

    op.create_table('panel_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('points', workflow.models.DecimalText(length=40), nullable=True),
    sa.Column('met', sa.Boolean(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('scored_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['index_indicators.id'], name=op.f('fk_panel_scores_indicator_id_index_indicators'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_panel_scores_person_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_scores')),
    sa.UniqueConstraint('indicator_id', 'round', name=op.f('uq_panel_scores_indicator_id_round'))
    )
    with op.batch_alter_table('panel_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_scores_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('expert_opinions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('panel', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('written_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_expert_opinions_person_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_expert_opinions_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_opinions')),
    sa.UniqueConstraint('plan_id', 'round', 'person_id', 'panel', name=op.f('uq_expert_opinions_plan_id_round_person_id_panel'))
    )
    with op.batch_alter_table('expert_opinions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_opinions_plan_id'), ['plan_id'], unique=False)


def downgrade() -> None:
    conn = op.get_bind()
    experts = conn.execute(sa.text("SELECT COUNT(*) FROM people WHERE role = 'expert'")).scalar_one()
    if experts:
        raise RuntimeError(f"不能降级:系统中有 {experts} 名专家,降级后的版本没有专家角色;请先停用并删除专家账号")
    op.drop_table('expert_opinions')
    op.drop_table('panel_scores')
    op.drop_table('expert_rounds')
    op.drop_table('plan_experts')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_people_person_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_people_person_role'), sa.column('role').in_(OLD_ROLES))
        batch_op.drop_column('organisation')
