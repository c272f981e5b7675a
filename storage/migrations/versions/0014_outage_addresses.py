"""outage_addresses: a chat's street address; outage_events: the street an outage is on

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outage_addresses",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("city", sa.String(length=60), nullable=False),
        sa.Column("street", sa.String(length=100), nullable=False),
        sa.Column("house", sa.String(length=16), nullable=True),
        sa.Column("city_key", sa.String(length=240), nullable=False),
        sa.Column("street_kind", sa.String(length=16), nullable=True),
        sa.Column("street_key", sa.String(length=400), nullable=False),
        sa.Column("house_key", sa.String(length=64), nullable=True),
        sa.Column("region_id", sa.String(length=32), nullable=True),
        sa.Column("grp", sa.String(length=16), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.chat_id"],
            name=op.f("fk_outage_addresses_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_outage_addresses")),
    )
    op.create_index(
        op.f("ix_outage_addresses_street_key"), "outage_addresses", ["street_key"], unique=False
    )
    with op.batch_alter_table("outage_events") as batch_op:
        batch_op.add_column(sa.Column("city", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("street", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("houses", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outage_events") as batch_op:
        batch_op.drop_column("houses")
        batch_op.drop_column("street")
        batch_op.drop_column("city")
    op.drop_index(op.f("ix_outage_addresses_street_key"), table_name="outage_addresses")
    op.drop_table("outage_addresses")
