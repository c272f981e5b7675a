"""delivery: notices in the outbox, claim state, supersession, chat details, counters

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=191), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("key", name=op.f("uq_notices_key")),
    )
    op.create_table(
        "delivery_counts",
        sa.Column("minute", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("minute", "kind", name=op.f("pk_delivery_counts")),
    )
    with op.batch_alter_table("chats") as batch_op:
        batch_op.add_column(sa.Column("title", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("username", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deactivated_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("notice_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("replaces_event_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_outbox_notice_id"), ["notice_id", "chat_id"]
        )
        batch_op.create_index(
            "ix_outbox_status_priority_id", ["status", "priority", "id"], unique=False
        )
        # Covered by the index above and by uq_outbox_event_id; every index slows the bulk
        # insert of a broadcast.
        batch_op.drop_index(batch_op.f("ix_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_outbox_event_id"))
    # Priorities were 0 (air raid) and 1 (other kinds); now a class (0, 10, 20, 30) plus 1 for
    # a direct message, so a channel post (+0) goes before the direct messages of its class.
    op.execute("UPDATE outbox SET priority = CASE WHEN priority = 0 THEN 1 ELSE 11 END")


def downgrade() -> None:
    op.execute("UPDATE outbox SET priority = CASE WHEN priority < 10 THEN 0 ELSE 1 END")
    op.execute("DELETE FROM outbox WHERE event_id IS NULL")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_status"), ["status"], unique=False)
        batch_op.drop_index("ix_outbox_status_priority_id")
        batch_op.drop_constraint(batch_op.f("uq_outbox_notice_id"), type_="unique")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("replaces_event_id")
        batch_op.drop_column("notice_id")
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("chats") as batch_op:
        batch_op.drop_column("deactivated_reason")
        batch_op.drop_column("deactivated_at")
        batch_op.drop_column("username")
        batch_op.drop_column("title")
    op.drop_table("delivery_counts")
    op.drop_table("notices")
