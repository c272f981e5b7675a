"""Imported alert history (migration 0009): one row per alert of a public dataset or a
provider's history answer, kept apart from the bot's own events (``alert_events``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime


class AlertHistory(Base):
    """One region's alert as a history source recorded it.

    ``source`` names the dataset ("official", "volunteer", "alerts_in_ua"): two sources that
    record the same alerts are never summed, so every row keeps its own. ``place`` is the
    place as the source wrote it (the import's key: importing a file twice adds nothing);
    ``region_id`` the registry's region for it, or its oblast when the place is unknown
    (``matched`` false).
    """

    __tablename__ = "alert_history"
    __table_args__ = (
        UniqueConstraint("source", "place", "kind", "started_at"),
        # The ledger's read: one source's alerts that started in a span of time, summed by
        # place. Covering, so the sums never visit the table (half a year of 100,000 rows:
        # 0.65 -> 0.1 s on SQLite, bench/ledger.py).
        Index(
            "ix_alert_history_source_started_at",
            "source",
            "started_at",
            "region_id",
            "oblast_id",
            "finished_at",
            "duration_s",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    place: Mapped[str] = mapped_column(String(400))
    region_id: Mapped[str] = mapped_column(String(32))
    oblast_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # finished_at - started_at in seconds, stored so that summing alert-minutes needs no date
    # arithmetic in SQL for the alerts that ended inside the span summed.
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The source did not see the end and made one up (volunteer file: start + 30 minutes).
    estimated_end: Mapped[bool] = mapped_column(Boolean, default=False)
    matched: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
