"""``pj_report_state.project_name``: a 项目支出 report's 项目名称, so lists and the year
overview name each project, not only its code.

Revision ID: read_models_0006
Revises: read_models_0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "read_models_0006"
down_revision = "read_models_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column; the report-state projection's new version refills it."""
    op.add_column("pj_report_state", sa.Column("project_name", sa.Text()))


def downgrade() -> None:
    """Drop it again."""
    op.drop_column("pj_report_state", "project_name")
