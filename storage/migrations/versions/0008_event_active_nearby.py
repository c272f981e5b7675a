"""alert_events.active_nearby: what else in the event's oblast was under alert just after it

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_events") as batch_op:
        batch_op.add_column(sa.Column("active_nearby", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_events") as batch_op:
        batch_op.drop_column("active_nearby")
