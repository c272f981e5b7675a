"""outage_fanouts: outage changes whose notices are still to be queued

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outage_fanouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("feed_kind", sa.String(length=32), nullable=False),
        sa.Column("region_id", sa.String(length=32), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outage_fanouts")),
    )


def downgrade() -> None:
    op.drop_table("outage_fanouts")
