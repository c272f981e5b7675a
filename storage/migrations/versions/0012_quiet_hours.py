"""quiet hours per chat; an alert end's start time; the announced level and threat

Revision ID: 0012
Revises: 0011

chats.quiet_from / quiet_to: a chat's quiet window ("23:00", "07:00", Kyiv time), NULL when
off; chats.quiet_alerts_silent: air-raid alerts in the chat's own regions also come without
sound in the window (off unless confirmed). alert_events.started_at: when an ended alert
began, for "тривала 47 хв". alert_state.level / threat: what residents were last told, so a
change while the alert goes on becomes an update.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chats") as batch_op:
        batch_op.add_column(sa.Column("quiet_from", sa.String(5), nullable=True))
        batch_op.add_column(sa.Column("quiet_to", sa.String(5), nullable=True))
        batch_op.add_column(
            sa.Column(
                "quiet_alerts_silent", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("alert_events") as batch_op:
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("alert_state") as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(16), nullable=True))
        batch_op.add_column(sa.Column("threat", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_state") as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("threat")
        batch_op.drop_column("level")
    with op.batch_alter_table("alert_events") as batch_op:
        batch_op.drop_column("started_at")
    with op.batch_alter_table("chats") as batch_op:
        batch_op.drop_column("quiet_alerts_silent")
        batch_op.drop_column("quiet_to")
        batch_op.drop_column("quiet_from")
