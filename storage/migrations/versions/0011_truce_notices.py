"""truce notices (per-claim markers, per-chat opt-out) and truces from a feed

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

UTC_TIME = sa.DateTime(timezone=True)


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("truce_claims") as batch:
        batch.add_column(
            sa.Column("opened_notified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("closed_notified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("feed_id", sa.Integer(), nullable=True))
    op.create_table(
        "truce_notice_optouts",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.chat_id"],
            name=op.f("fk_truce_notice_optouts_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_truce_notice_optouts")),
    )


def downgrade() -> None:
    op.drop_table("truce_notice_optouts")
    with op.batch_alter_table("truce_claims") as batch:
        batch.drop_column("feed_id")
        batch.drop_column("closed_notified")
        batch.drop_column("opened_notified")
