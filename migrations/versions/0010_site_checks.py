"""site checks: 现场核查 records of a plan and their photos (issue 14, part 4)

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-06 18:20:00

New tables only; existing plans have no on-site check. (Revises 0007 on its branch; it is
re-chained after 0008 and 0009 when the parts of issue 14 are merged.)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workflow.models

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('site_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('participants', sa.JSON(), nullable=False),
    sa.Column('unit_ids', sa.JSON(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('samples', sa.JSON(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('conclusion', sa.String(length=100), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_site_checks_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['people.id'], name=op.f('fk_site_checks_recorded_by_id_people'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_checks'))
    )
    with op.batch_alter_table('site_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_checks_plan_id'), ['plan_id'], unique=False)

    op.create_table('site_check_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_check_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('media_type', sa.String(length=20), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('caption', sa.String(length=200), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_site_check_photos_person_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['site_check_id'], ['site_checks.id'], name=op.f('fk_site_check_photos_site_check_id_site_checks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_check_photos'))
    )
    with op.batch_alter_table('site_check_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_check_photos_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_check_photos_site_check_id'), ['site_check_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('site_check_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_check_photos_site_check_id'))
        batch_op.drop_index(batch_op.f('ix_site_check_photos_sha256'))

    op.drop_table('site_check_photos')
    with op.batch_alter_table('site_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_checks_plan_id'))

    op.drop_table('site_checks')
