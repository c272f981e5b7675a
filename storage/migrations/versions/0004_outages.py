"""outages: schedules by queue, emergency outages, news, follows, prefs, sent notices

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def _chat_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["chat_id"], ["chats.chat_id"], name=f"fk_{table}_chat_id_chats", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "outage_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.String(length=32), nullable=False),
        sa.Column("grp", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("basis", sa.String(length=8), nullable=False),
        sa.Column("slots", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=True),
        sa.Column("published_at", UTC_TIME, nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("changed_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outage_schedules"),
        sa.UniqueConstraint(
            "region_id", "grp", "day", "basis", name="uq_outage_schedules_region_id"
        ),
    )
    op.create_index("ix_outage_schedules_region_id", "outage_schedules", ["region_id"])

    op.create_table(
        "outage_intervals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC_TIME, nullable=False),
        sa.Column("ends_at", UTC_TIME, nullable=False),
        sa.Column("state", sa.String(length=1), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["outage_schedules.id"],
            name="fk_outage_intervals_schedule_id_outage_schedules",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outage_intervals"),
    )
    op.create_index("ix_outage_intervals_schedule_id", "outage_intervals", ["schedule_id"])
    op.create_index("ix_outage_intervals_starts_at", "outage_intervals", ["starts_at"])
    op.create_index("ix_outage_intervals_ends_at", "outage_intervals", ["ends_at"])

    op.create_table(
        "outage_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("region_id", sa.String(length=32), nullable=False),
        sa.Column("grp", sa.String(length=16), nullable=True),
        sa.Column("starts_at", UTC_TIME, nullable=True),
        sa.Column("ends_at", UTC_TIME, nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("first_seen_at", UTC_TIME, nullable=False),
        sa.Column("last_seen_at", UTC_TIME, nullable=False),
        sa.Column("ended_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outage_events"),
        sa.UniqueConstraint("source", "key", name="uq_outage_events_source"),
    )
    op.create_index("ix_outage_events_region_id", "outage_events", ["region_id"])

    op.create_table(
        "outage_news",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("published_at", UTC_TIME, nullable=True),
        sa.Column("first_seen_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outage_news"),
        sa.UniqueConstraint("source", "key", name="uq_outage_news_source"),
    )

    op.create_table(
        "outage_follows",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("region_id", sa.String(length=32), nullable=False),
        sa.Column("grp", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        _chat_fk("outage_follows"),
        sa.PrimaryKeyConstraint("chat_id", "region_id", "grp", name="pk_outage_follows"),
    )

    op.create_table(
        "outage_prefs",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("mute_scheduled", sa.Boolean(), nullable=False),
        sa.Column("mute_emergency", sa.Boolean(), nullable=False),
        sa.Column("reminder_minutes", sa.Integer(), nullable=True),
        _chat_fk("outage_prefs"),
        sa.PrimaryKeyConstraint("chat_id", name="pk_outage_prefs"),
    )

    op.create_table(
        "outage_notices",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("region_id", sa.String(length=32), nullable=False),
        sa.Column("grp", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("sent_at", UTC_TIME, nullable=False),
        _chat_fk("outage_notices"),
        sa.PrimaryKeyConstraint(
            "chat_id", "region_id", "grp", "kind", "at", name="pk_outage_notices"
        ),
    )


def downgrade() -> None:
    op.drop_table("outage_notices")
    op.drop_table("outage_prefs")
    op.drop_table("outage_follows")
    op.drop_table("outage_news")
    op.drop_index("ix_outage_events_region_id", table_name="outage_events")
    op.drop_table("outage_events")
    op.drop_index("ix_outage_intervals_ends_at", table_name="outage_intervals")
    op.drop_index("ix_outage_intervals_starts_at", table_name="outage_intervals")
    op.drop_index("ix_outage_intervals_schedule_id", table_name="outage_intervals")
    op.drop_table("outage_intervals")
    op.drop_index("ix_outage_schedules_region_id", table_name="outage_schedules")
    op.drop_table("outage_schedules")
