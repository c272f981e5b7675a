"""Tables. Times are stored in UTC as timezone-aware datetimes; chat ids are BigInteger."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in and out, on SQLite (which drops the offset) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; store UTC-aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Chat(Base):
    """A private chat, group or channel the bot talks to."""

    __tablename__ = "chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16), default="private")
    lang: Mapped[str | None] = mapped_column(String(8), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Subscription(Base):
    __tablename__ = "subscriptions"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.chat_id", ondelete="CASCADE"), primary_key=True
    )
    region_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Feed(Base):
    """A polled source; config feeds are upserted on start. Holds health and HTTP cache state."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text)
    interval: Mapped[float] = mapped_column()
    token_env: Mapped[str | None] = mapped_column(String(128), nullable=True)
    origin: Mapped[str] = mapped_column(String(16), default="config")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    etag: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_modified: Mapped[str | None] = mapped_column(Text, nullable=True)
    cache_marker: Mapped[str | None] = mapped_column(Text, nullable=True)


class FeedObservation(Base):
    """What one feed reported active on its last good poll: the input of the merge."""

    __tablename__ = "feed_observations"

    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True
    )
    region_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    region_title: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    threat: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AlertState(Base):
    """The announced state of one alert kind in one region: what subscribers were last told."""

    __tablename__ = "alert_state"

    region_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    region_title: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertEvent(Base):
    """An alert start or end, as detected; the unit of delivery."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[str] = mapped_column(String(32), index=True)
    region_title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    transition: Mapped[str] = mapped_column(String(8))  # "start" | "end"
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(64))


class Truce(Base):
    """An announced pause of strikes; one or more parties' claims of its window."""

    __tablename__ = "truces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    scope: Mapped[str] = mapped_column(String(16))  # energy | long-range | all
    regions: Mapped[str] = mapped_column(Text)  # "all" or comma-separated region ids
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TruceClaim(Base):
    """One party's announced window for a truce."""

    __tablename__ = "truce_claims"
    __table_args__ = (UniqueConstraint("truce_id", "party"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    truce_id: Mapped[int] = mapped_column(ForeignKey("truces.id", ondelete="CASCADE"), index=True)
    party: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TruceEvidence(Base):
    """The truce ledger: an alert event that happened while a truce was announced in force."""

    __tablename__ = "truce_evidence"

    truce_id: Mapped[int] = mapped_column(
        ForeignKey("truces.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("alert_events.id", ondelete="CASCADE"), primary_key=True
    )


class Outbox(Base):
    """One message for one chat, durable before it is sent; unique per event and chat."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("event_id", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("alert_events.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
