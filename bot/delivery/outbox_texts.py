"""The text of a claimed outbox row in its chat's language: an alert, an alert that started
and ended before its start was sent (one combined message), the starts or ends of several
places of an oblast sent as one message (storage/alert_groups.py), or a notice.

Notices with a ``payload`` are rendered by kind: register a renderer with
:func:`register_notice_kind`; without one, a payload ``{"key": ..., "values": {...}}`` is
looked up in the catalog (bot/i18n.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.alert_texts import (
    alert_message,
    duration_text,
    group_message,
    kind_genitive,
    kyiv_time,
    region_name,
    still_lines,
    truce_note,
)
from bot.delivery.textlimit import fit_message
from bot.i18n import t
from storage import outbox
from storage.delivery_models import Notice
from storage.models import AlertEvent
from storage.truce_notices import SinceStart, since_start
from storage.truces import TruceView, list_truces

log = logging.getLogger("alertbot.dispatcher")

NoticeRenderer = Callable[[Mapping[str, Any], str], str]
_NOTICE_KINDS: dict[str, NoticeRenderer] = {}
_CACHE_LIMIT = 4096


def register_notice_kind(kind: str, renderer: NoticeRenderer) -> None:
    """``renderer(payload, lang)`` gives the text of a notice of ``kind`` for one chat."""
    _NOTICE_KINDS[kind] = renderer


class RenderError(Exception):
    """A row that cannot be turned into a message (a bug or a missing renderer)."""


# The database or the network failing: the rows are fine and go back to the queue (the
# dispatcher releases them). Anything else raised while rendering is a fault of the row.
TRANSIENT = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    OSError,
    TimeoutError,
)


def describe(error: BaseException) -> str:
    """One short line for the log and ``outbox.last_error``: the kind and the message."""
    return f"{type(error).__name__}: {error}"[:300]


def combined_message(
    start: AlertEvent, end: AlertEvent, truces: Sequence[TruceView], lang: str
) -> str:
    """One accurate message for a chat that never got the start: "from X to Y, over"."""
    text = t(
        lang,
        "alert.combined",
        kind_gen=kind_genitive(end.kind, lang),
        region=region_name(end.region_id, end.region_title, lang),
        start=kyiv_time(start.occurred_at, end.detected_at),
        end=kyiv_time(end.occurred_at, end.detected_at),
        duration=duration_text((end.occurred_at - start.occurred_at).total_seconds(), lang),
    )
    for line in still_lines(end, lang):  # an all clear here is not one for the whole oblast
        text += "\n" + line
    notes = [truce_note(truce, start.detected_at, lang, ended=True) for truce in truces]
    return "\n\n".join([text, "\n".join(notes)]) if notes else text


def _group_ids(row: outbox.Claimed) -> tuple[int, ...]:
    """The events of a grouped message (storage/alert_groups.py), in order."""
    return tuple(sorted({row.event_id or 0, *row.member_events}))


def notice_text(notice: Notice, lang: str) -> str:
    if notice.text is not None:
        return notice.text
    payload = json.loads(notice.payload or "{}")
    renderer = _NOTICE_KINDS.get(notice.kind)
    if renderer is not None:
        return renderer(payload, lang)
    if isinstance(payload, dict) and isinstance(payload.get("key"), str):
        values = payload.get("values") or {}
        return t(lang, payload["key"], **values)
    raise RenderError(f"no renderer for notice kind {notice.kind!r}")


class Renderer:
    """Renders claimed rows; 100,000 rows of one alert are a handful of distinct texts, so
    texts are cached by (what, language).

    A row that cannot be rendered, whatever the reason (data no driver can read back, a bug
    in a renderer), comes back as a :class:`RenderError` for that row alone; only a failing
    database (:data:`TRANSIENT`) makes :meth:`render` raise, for the rows to be retried.
    """

    def __init__(self, default_lang: str) -> None:
        self.default_lang = default_lang
        self._default_lang = default_lang
        self._texts: dict[tuple[object, ...], str] = {}

    async def render(
        self, session: AsyncSession, rows: Sequence[outbox.Claimed]
    ) -> dict[int, str | RenderError]:
        todo = [r for r in rows if self._key(r) not in self._texts]
        failed: dict[int, str] = {}
        if todo:
            try:
                await self._fill(session, todo, failed)
            except TRANSIENT:
                raise
            except Exception:
                # Something in the batch cannot even be loaded: one row at a time, so that
                # only the rows at fault fail.
                await session.rollback()
                for row in todo:
                    try:
                        await self._fill(session, [row], failed)
                    except TRANSIENT:
                        raise
                    except Exception as exc:
                        await session.rollback()
                        failed[row.id] = describe(exc)
        result: dict[int, str | RenderError] = {}
        for row in rows:
            text = self._texts.get(self._key(row))
            result[row.id] = (
                text if text is not None else RenderError(failed.get(row.id) or self._missing(row))
            )
        return result

    def _lang(self, row: outbox.Claimed) -> str:
        return row.lang or self._default_lang

    def _key(self, row: outbox.Claimed) -> tuple[object, ...]:
        if row.notice_id is not None:
            return ("notice", row.notice_id, None, self._lang(row))
        if row.members:
            return ("group", _group_ids(row), self._lang(row))
        return ("event", row.event_id or 0, row.replaces_event_id, self._lang(row))

    @staticmethod
    def _missing(row: outbox.Claimed) -> str:
        if row.notice_id is not None:
            return f"notice {row.notice_id} cannot be rendered"
        return f"event {row.event_id} not found"

    async def _fill(
        self, session: AsyncSession, rows: Sequence[outbox.Claimed], failed: dict[int, str]
    ) -> None:
        if len(self._texts) > _CACHE_LIMIT:
            self._texts.clear()
        event_ids = {r.event_id for r in rows if r.event_id is not None}
        event_ids |= {r.replaces_event_id for r in rows if r.replaces_event_id is not None}
        event_ids |= {i for r in rows for i in r.member_events}
        events = await outbox.load_events(session, event_ids)
        evidence = await outbox.evidence(session, event_ids)
        truces: dict[int, TruceView] = {}
        if evidence:
            try:
                truces = {tv.id: tv for tv in await list_truces(session)}
            except TRANSIENT:
                raise
            except Exception as exc:
                # The notes are an addition: an unreadable truce must not hold back alerts.
                log.error("truce_notes_unreadable", extra={"error": describe(exc)})
                await session.rollback()
        notices = await outbox.load_notices(
            session, {r.notice_id for r in rows if r.notice_id is not None}
        )

        def notes(*ids: int) -> list[TruceView]:
            wanted = sorted({truce for i in ids for truce in evidence.get(i, [])})
            return [truces[i] for i in wanted if i in truces]

        # How long each claim had been in force when a start came (the note says so).
        since: dict[int, dict[int, list[SinceStart]]] = {}
        for loaded in events.values():
            if loaded.transition == "start" and evidence.get(loaded.id):
                try:
                    since[loaded.id] = await since_start(session, loaded, notes(loaded.id))
                except TRANSIENT:
                    raise
                except Exception as exc:
                    log.error("truce_since_failed", extra={"error": describe(exc)})

        def alert_text(
            event: AlertEvent, start: AlertEvent | None, lang: str, with_notes: bool
        ) -> str:
            if start is not None:
                found = notes(start.id, event.id) if with_notes else []
                return combined_message(start, event, found, lang)
            found = notes(event.id) if with_notes else []
            return alert_message(event, found, lang, since.get(event.id) if with_notes else None)

        def group_text(group: list[AlertEvent], lang: str) -> str:
            ids = [e.id for e in group]
            try:
                since_first = next((since[i] for i in ids if i in since), None)
                return group_message(group, notes(*ids), lang, since_first)
            except Exception as exc:
                # Without its truce notes the alert still goes.
                log.error("truce_note_failed", extra={"events": ids, "error": describe(exc)})
                return group_message(group, [], lang)

        for row in rows:
            key, lang = self._key(row), self._lang(row)
            try:
                if row.notice_id is not None:
                    notice = notices.get(row.notice_id)
                    if notice is not None:
                        self._texts[key] = fit_message(notice_text(notice, lang))
                    continue
                if row.members:
                    group = [events[i] for i in _group_ids(row) if i in events]
                    if len(group) == len(_group_ids(row)):
                        self._texts[key] = fit_message(group_text(group, lang))
                    continue
                event = events.get(row.event_id or 0)
                if event is None:
                    continue
                start = events.get(row.replaces_event_id or 0)
                try:
                    text = alert_text(event, start, lang, with_notes=True)
                except Exception as exc:
                    # Without its truce notes the alert still goes.
                    log.error("truce_note_failed", extra={"row": row.id, "error": describe(exc)})
                    text = alert_text(event, start, lang, with_notes=False)
                self._texts[key] = fit_message(text)
            except Exception as exc:
                failed[row.id] = describe(exc)
