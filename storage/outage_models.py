"""Tables of the power-outage side (migration 0004). Times UTC; ``day`` is a Kyiv date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UTCDateTime


class OutageSchedule(Base):
    """The latest known schedule of one queue for one Kyiv day, one row per basis.

    ``slots`` holds one character per real half-hour (see feeds.outages.timeline);
    ``changed_at`` moves only when the content changes, never on a re-publication.
    """

    __tablename__ = "outage_schedules"
    __table_args__ = (UniqueConstraint("region_id", "grp", "day", "basis"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[str] = mapped_column(String(32), index=True)
    grp: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(String(8))
    slots: Mapped[str] = mapped_column(String(64))
    version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutageInterval(Base):
    """The off and maybe-off runs of a schedule row, in UTC (rebuilt when the row changes)."""

    __tablename__ = "outage_intervals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("outage_schedules.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    state: Mapped[str] = mapped_column(String(1))


class OutageEventRow(Base):
    """An emergency outage a source reported; ``ended_at`` set when it stopped reporting it."""

    __tablename__ = "outage_events"
    __table_args__ = (UniqueConstraint("source", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[str] = mapped_column(String(32), index=True)
    grp: Mapped[str | None] = mapped_column(String(16), nullable=True)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    place: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Where the provider ties it to a street (migration 0014): its own spelling.
    city: Mapped[str | None] = mapped_column(Text, nullable=True)
    street: Mapped[str | None] = mapped_column(Text, nullable=True)
    houses: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OutageNews(Base):
    """A news item or CAP message already seen, so it is announced once."""

    __tablename__ = "outage_news"
    __table_args__ = (UniqueConstraint("source", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutageFollow(Base):
    """A chat follows one queue of one region; a chat may follow several."""

    __tablename__ = "outage_follows"
    # A region's followers of some queues, asked on every reminder tick and schedule change;
    # the primary key starts with the chat.
    __table_args__ = (Index("ix_outage_follows_region_id_grp", "region_id", "grp"),)

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.chat_id", ondelete="CASCADE"), primary_key=True
    )
    region_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    grp: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutagePrefs(Base):
    """A chat's outage settings; no row means the defaults (nothing muted, global lead time)."""

    __tablename__ = "outage_prefs"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.chat_id", ondelete="CASCADE"), primary_key=True
    )
    mute_scheduled: Mapped[bool] = mapped_column(Boolean, default=False)
    mute_emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)


class OutageNotice(Base):
    """A reminder or power-back notice already sent: written before sending, so a restart
    never repeats one."""

    __tablename__ = "outage_notices"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.chat_id", ondelete="CASCADE"), primary_key=True
    )
    region_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    grp: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # remind | back
    at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutageFanout(Base):
    """The changes one outage poll found, whose notices are still to be queued
    (storage/outage_fanout.py).

    Written in the transaction that stores the changes, deleted in the one that queues their
    notices: as ``storage.models.Fanout`` does for alerts, a crash in between leaves this row
    behind and the next run queues the notices (the feed, polled again, shows no change).
    """

    __tablename__ = "outage_fanouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    feed_kind: Mapped[str] = mapped_column(String(32))
    region_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    changes: Mapped[str] = mapped_column(Text)  # JSON, see storage/outage_fanout.py
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutageAddress(Base):
    """A chat's address (migration 0014): street-level emergency outages go to the chats on
    that street. The display forms are as the resident typed them (cleaned); the keys are
    what compares (feeds/outages/address.py). ``grp``/``provider``: the queue a provider's
    lookup found for the house, when one did."""

    __tablename__ = "outage_addresses"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.chat_id", ondelete="CASCADE"), primary_key=True
    )
    city: Mapped[str] = mapped_column(String(60))
    street: Mapped[str] = mapped_column(String(100))
    house: Mapped[str | None] = mapped_column(String(16), nullable=True)
    city_key: Mapped[str] = mapped_column(String(240))
    street_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Asked with every street-level outage: the chats on its street.
    street_key: Mapped[str] = mapped_column(String(400), index=True)
    house_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    region_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    grp: Mapped[str | None] = mapped_column(String(16), nullable=True)
    provider: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
