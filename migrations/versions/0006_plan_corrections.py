"""plan corrections: an office's edits to an imported plan, kept across re-imports

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-10 12:00:00

A new table only; existing plans have no corrections.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('plan_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stale_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_plan_corrections_person_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_corrections_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_corrections')),
    sa.UniqueConstraint('plan_id', 'position', name=op.f('uq_plan_corrections_plan_id_position'))
    )
    with op.batch_alter_table('plan_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_corrections_plan_id'), ['plan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('plan_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_corrections_plan_id'))
    op.drop_table('plan_corrections')
