"""三色督办: each zone's escalation rules and the colour last recorded per measure and unit part (issue 15, part 1)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 21:30:00

Zones start without rules (the defaults apply); no colour is recorded until the first daily
run, which then audits every measure that has one as a change from none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workflow.models

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('escalation_settings',
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('blue_days', sa.Integer(), nullable=False),
    sa.Column('yellow_days', sa.Integer(), nullable=False),
    sa.Column('yellow_share', sa.Integer(), nullable=False),
    sa.Column('report_to_office', sa.Boolean(), nullable=False),
    sa.Column('updated_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_escalation_settings_updated_by_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_escalation_settings_zone_id_zones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('zone_id', name=op.f('pk_escalation_settings'))
    )
    op.create_table('escalation_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('colour', sa.Enum('none', 'blue', 'yellow', 'red', name='escalation_colour', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], name=op.f('fk_escalation_marks_measure_id_measures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_escalation_marks_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_marks')),
    sa.UniqueConstraint('measure_id', 'unit_id', name=op.f('uq_escalation_marks_measure_id_unit_id'))
    )
    with op.batch_alter_table('escalation_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_marks_measure_id'), ['measure_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('escalation_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_marks_measure_id'))

    op.drop_table('escalation_marks')
    op.drop_table('escalation_settings')
