"""lookup indexes: chats.kind, truce_evidence.event_id, outage_follows (region_id, grp)

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Before it queues a broadcast's direct messages, the fan-out counts the channel posts
    # still unsent, up to 50 times a second; with 100,000 chats that read every chat.
    op.create_index(op.f("ix_chats_kind"), "chats", ["kind"], unique=False)
    # Every batch the dispatcher sends looks up the truce notes of its events; the primary
    # key starts with the truce, so that read the whole ledger, which only grows.
    op.create_index(
        op.f("ix_truce_evidence_event_id"), "truce_evidence", ["event_id"], unique=False
    )
    # A region's followers of some queues, on every reminder tick (each minute) and schedule
    # change; the primary key starts with the chat, so each read went over every follower.
    op.create_index(
        "ix_outage_follows_region_id_grp", "outage_follows", ["region_id", "grp"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_outage_follows_region_id_grp", table_name="outage_follows")
    op.drop_index(op.f("ix_truce_evidence_event_id"), table_name="truce_evidence")
    op.drop_index(op.f("ix_chats_kind"), table_name="chats")
