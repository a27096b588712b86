"""render jobs: reports rendered by the worker, off the web request (issue 15, part 4)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 21:40:00

A new table only; it starts empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import workflow.models

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('render_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='render_job_state', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('lease_token', sa.String(length=40), nullable=False),
    sa.Column('lease_until', workflow.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('issued_report_id', sa.Integer(), nullable=True),
    sa.Column('created_at', workflow.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('started_at', workflow.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', workflow.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['issued_report_id'], ['issued_reports.id'], name=op.f('fk_render_jobs_issued_report_id_issued_reports'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_render_jobs_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['people.id'], name=op.f('fk_render_jobs_requested_by_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_render_jobs'))
    )
    with op.batch_alter_table('render_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_render_jobs_pending', ['state', 'lease_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_render_jobs_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_render_jobs_requested_by'), ['requested_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('render_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_render_jobs_requested_by'))
        batch_op.drop_index(batch_op.f('ix_render_jobs_plan_id'))
        batch_op.drop_index('ix_render_jobs_pending')

    op.drop_table('render_jobs')
