"""The text of a claimed outbox row in its chat's language: an alert, an alert that started
and ended before its start was sent (one combined message), or a notice.

Notices with a ``payload`` are rendered by kind: register a renderer with
:func:`register_notice_kind`; without one, a payload ``{"key": ..., "values": {...}}`` is
looked up in the catalog (bot/i18n.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import t
from bot.render import (
    alert_message,
    kind_name,
    kyiv_time,
    region_name,
    still_lines,
    truce_note,
)
from storage import outbox
from storage.delivery_models import Notice
from storage.models import AlertEvent
from storage.truces import TruceView, list_truces

NoticeRenderer = Callable[[Mapping[str, Any], str], str]
_NOTICE_KINDS: dict[str, NoticeRenderer] = {}
_CACHE_LIMIT = 4096


def register_notice_kind(kind: str, renderer: NoticeRenderer) -> None:
    """``renderer(payload, lang)`` gives the text of a notice of ``kind`` for one chat."""
    _NOTICE_KINDS[kind] = renderer


class RenderError(Exception):
    """A row that cannot be turned into a message (a bug or a missing renderer)."""


def combined_message(
    start: AlertEvent, end: AlertEvent, truces: Sequence[TruceView], lang: str
) -> str:
    """One accurate message for a chat that never got the start: "from X to Y, over"."""
    kind = kind_name(end.kind, lang)
    text = t(
        lang,
        "alert.combined",
        kind=kind,
        kind_lower=kind[:1].lower() + kind[1:],
        region=region_name(end.region_id, end.region_title, lang),
        start=kyiv_time(start.occurred_at),
        end=kyiv_time(end.occurred_at),
    )
    for line in still_lines(end, lang):  # an all clear here is not one for the whole oblast
        text += "\n" + line
    notes = [truce_note(truce, start.detected_at, lang, ended=True) for truce in truces]
    return "\n\n".join([text, *notes])


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
    texts are cached by (what, language)."""

    def __init__(self, default_lang: str) -> None:
        self._default_lang = default_lang
        self._texts: dict[tuple[str, int, int | None, str], str] = {}

    async def render(
        self, session: AsyncSession, rows: Sequence[outbox.Claimed]
    ) -> dict[int, str | RenderError]:
        todo = [r for r in rows if self._key(r) not in self._texts]
        if todo:
            await self._fill(session, todo)
        result: dict[int, str | RenderError] = {}
        for row in rows:
            text = self._texts.get(self._key(row))
            result[row.id] = text if text is not None else RenderError(self._missing(row))
        return result

    def _lang(self, row: outbox.Claimed) -> str:
        return row.lang or self._default_lang

    def _key(self, row: outbox.Claimed) -> tuple[str, int, int | None, str]:
        if row.notice_id is not None:
            return ("notice", row.notice_id, None, self._lang(row))
        return ("event", row.event_id or 0, row.replaces_event_id, self._lang(row))

    @staticmethod
    def _missing(row: outbox.Claimed) -> str:
        if row.notice_id is not None:
            return f"notice {row.notice_id} cannot be rendered"
        return f"event {row.event_id} not found"

    async def _fill(self, session: AsyncSession, rows: Sequence[outbox.Claimed]) -> None:
        if len(self._texts) > _CACHE_LIMIT:
            self._texts.clear()
        event_ids = {r.event_id for r in rows if r.event_id is not None}
        event_ids |= {r.replaces_event_id for r in rows if r.replaces_event_id is not None}
        events = await outbox.load_events(session, event_ids)
        evidence = await outbox.evidence(session, event_ids)
        truces = {tv.id: tv for tv in await list_truces(session)} if evidence else {}
        notices = await outbox.load_notices(
            session, {r.notice_id for r in rows if r.notice_id is not None}
        )

        def notes(*ids: int) -> list[TruceView]:
            wanted = sorted({truce for i in ids for truce in evidence.get(i, [])})
            return [truces[i] for i in wanted if i in truces]

        for row in rows:
            key, lang = self._key(row), self._lang(row)
            if row.notice_id is not None:
                notice = notices.get(row.notice_id)
                if notice is None:
                    continue
                try:
                    self._texts[key] = notice_text(notice, lang)
                except (RenderError, KeyError, ValueError, TypeError):
                    continue
                continue
            event = events.get(row.event_id or 0)
            if event is None:
                continue
            start = events.get(row.replaces_event_id or 0)
            if start is not None:
                self._texts[key] = combined_message(start, event, notes(start.id, event.id), lang)
            else:
                self._texts[key] = alert_message(event, notes(event.id), lang)
