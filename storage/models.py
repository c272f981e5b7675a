"""Tables. Times are stored in UTC as timezone-aware datetimes; chat ids are BigInteger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
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


# Values of the string columns below, checked by mypy where the code writes them.
FeedOrigin = Literal["config", "chat"]  # from the config file, or added by an admin in the chat
Transition = Literal["start", "end", "update"]  # began, ended, or its threat changed
# pending -> inflight -> sent | failed; superseded: an end made the start's row moot;
# dropped: the chat blocked the bot or went away.
OutboxStatus = Literal["pending", "inflight", "sent", "failed", "superseded", "dropped"]


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
    kind: Mapped[str] = mapped_column(String(16), default="private", index=True)
    lang: Mapped[str | None] = mapped_column(String(8), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Shown to admins for channels ("@lviv_alerts"); Telegram ids alone are unreadable.
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    username: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Why and when the chat stopped getting messages (blocked, kicked, chat not found).
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deactivated_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Quiet hours ("23:00", "07:00", Kyiv time; NULL = off): messages come without sound.
    # Air-raid alerts in the chat's own regions stay loud unless ``quiet_alerts_silent``,
    # which only a confirmed command sets (bot/delivery/quiet_hours.py).
    quiet_from: Mapped[str | None] = mapped_column(String(5), nullable=True)
    quiet_to: Mapped[str | None] = mapped_column(String(5), nullable=True)
    quiet_alerts_silent: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class Subscription(Base):
    __tablename__ = "subscriptions"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.chat_id", ondelete="CASCADE"), primary_key=True
    )
    region_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Comma-separated alert kinds the chat wants for this region; None means every kind.
    kinds: Mapped[str | None] = mapped_column(Text, nullable=True)


class Feed(Base):
    """A polled source; config feeds are upserted on start. Holds health and HTTP cache state."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text)
    interval: Mapped[float] = mapped_column()
    token_env: Mapped[str | None] = mapped_column(String(128), nullable=True)
    origin: Mapped[FeedOrigin] = mapped_column(String(16), default="config")
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
    # The threat level and type residents were last told, and when an update last went out
    # (at most one per region and kind a minute, storage/merge.py).
    level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    threat: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AlertEvent(Base):
    """An alert start or end, as detected; the unit of delivery."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[str] = mapped_column(String(32), index=True)
    region_title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    transition: Mapped[Transition] = mapped_column(String(8))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(64))
    # For an alert in a raion or hromada: how many raions of its oblast were under an alert of
    # this kind at that moment, out of how many the registry knows (for oblast subscribers).
    parts_active: Mapped[int | None] = mapped_column(Integer, nullable=True)
    parts_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Threat level ("red"/"yellow") and type as the source gave them, shown in the message.
    level: Mapped[str | None] = mapped_column(String(16), nullable=True)
    threat: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The places of the event's oblast (the oblast included) under an alert of this kind just
    # after the event, comma-separated ids; "~" marks a "part of the oblast" report. An end
    # says from it what still goes on, so an oblast subscriber never reads a bare all clear
    # while part of the oblast is under alert (see bot/delivery/alert_texts.py).
    active_nearby: Mapped[str | None] = mapped_column(Text, nullable=True)
    # For an end: when the alert began ("тривала 47 хв").
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Fanout(Base):
    """An alert event whose direct messages are still to be queued (storage/alert_fanout.py).

    Written in the event's own transaction, deleted in the one that queues its last direct
    message: the event and its channel posts commit at once, and a crash in between leaves
    this row behind, so the next start finishes the job.
    """

    __tablename__ = "fanouts"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("alert_events.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Truce(Base):
    """An announced pause of strikes; one or more parties' claims of its window."""

    __tablename__ = "truces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    scope: Mapped[str] = mapped_column(String(16))  # energy | long-range | all
    regions: Mapped[str] = mapped_column(Text)  # "all" or comma-separated region ids
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Why an admin ended it (``/truce_end NAME reason=...``), shown in its life.
    end_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
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
    # The "window opened/closed" notices (storage/truce_notices.py) were queued, or are not
    # due (a claim recorded after its window opened gets no "opened" notice for the past).
    opened_notified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    closed_notified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The truces feed (bot/ingest/truce_intake.py) that brought this claim; None: entered here.
    feed_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class TruceEvidence(Base):
    """The truce ledger: an alert event that happened while a truce was announced in force."""

    __tablename__ = "truce_evidence"

    truce_id: Mapped[int] = mapped_column(
        ForeignKey("truces.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("alert_events.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Outbox(Base):
    """One message for one chat, durable before it is sent (see storage/outbox.py).

    A row carries an alert event (``event_id``) or a notice (``notice_id``), never both; each
    is unique per chat, so enqueueing twice is harmless.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("event_id", "chat_id"),
        UniqueConstraint("notice_id", "chat_id"),
        # The dispatcher's claim: pending rows in priority order.
        Index("ix_outbox_status_priority_id", "status", "priority", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # (No index of its own: the unique (event_id, chat_id) serves lookups by event.)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_events.id", ondelete="CASCADE"), nullable=True
    )
    # A notice (outage, informational) from storage.delivery_models.Notice.
    notice_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # On an alert's end: the start event whose message was never sent; one combined text goes.
    replaces_event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # pending | inflight | sent | failed | superseded | dropped
    status: Mapped[OutboxStatus] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The message Telegram made of a channel post: the alert's end edits it
    # (bot/delivery/channel_edits.py).
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Place(Base):
    """A region learned from a source (ukrainealarm's region list, alert records), beside the
    registry's built-in ones."""

    __tablename__ = "places"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_uk: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    source: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BotState(Base):
    """Small durable facts, e.g. whether subscribers were told that coverage is lost."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TruceNoticeOptOut(Base):
    """A chat that turned truce notices off (``/truce_notices off``); on by default."""

    __tablename__ = "truce_notice_optouts"

    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.chat_id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
