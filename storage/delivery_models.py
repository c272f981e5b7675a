"""Tables of the delivery side beside the outbox: notices and the delivery counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime


class Notice(Base):
    """A message that is not an alert event (an outage notice, an informational note).

    Either ``text`` (sent as is, to every recipient) or ``payload`` (JSON, rendered per chat
    language when sent; see bot/delivery/outbox_texts.py). ``key`` is the producer's
    idempotency key.
    """

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(191), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeliveryCount(Base):
    """How many sends and errors of each kind happened in one minute (UTC), for /stats.

    Kept in the database so the last hour survives a restart.
    """

    __tablename__ = "delivery_counts"

    minute: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
