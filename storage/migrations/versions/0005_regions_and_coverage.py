"""learned places, alert kinds per subscription, oblast counts and threat on events, bot state

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name_uk", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
    )
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_bot_state")),
    )
    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.add_column(sa.Column("kinds", sa.Text(), nullable=True))
    with op.batch_alter_table("alert_events") as batch_op:
        batch_op.add_column(sa.Column("parts_active", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("parts_total", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("level", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("threat", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_events") as batch_op:
        batch_op.drop_column("threat")
        batch_op.drop_column("level")
        batch_op.drop_column("parts_total")
        batch_op.drop_column("parts_active")
    with op.batch_alter_table("subscriptions") as batch_op:
        batch_op.drop_column("kinds")
    op.drop_table("bot_state")
    op.drop_table("places")
