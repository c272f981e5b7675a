"""index chats.kind and truce_evidence.event_id: found by key, not by reading the table

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


def downgrade() -> None:
    op.drop_index(op.f("ix_truce_evidence_event_id"), table_name="truce_evidence")
    op.drop_index(op.f("ix_chats_kind"), table_name="chats")
