"""alert history (imported datasets, provider history) and the reason a truce was ended

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

UTC_TIME = sa.DateTime(timezone=True)


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("place", sa.String(length=400), nullable=False),
        sa.Column("region_id", sa.String(length=32), nullable=False),
        sa.Column("oblast_id", sa.String(length=32), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("finished_at", UTC_TIME, nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("estimated_end", sa.Boolean(), nullable=False),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_history")),
        sa.UniqueConstraint(
            "source", "place", "kind", "started_at", name=op.f("uq_alert_history_source")
        ),
    )
    op.create_index(
        "ix_alert_history_source_started_at",
        "alert_history",
        ["source", "started_at", "region_id", "oblast_id", "finished_at", "duration_s"],
        unique=False,
    )
    with op.batch_alter_table("truces") as batch:
        batch.add_column(sa.Column("end_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("truces") as batch:
        batch.drop_column("end_reason")
    op.drop_index("ix_alert_history_source_started_at", table_name="alert_history")
    op.drop_table("alert_history")
