"""RSS 2.0 and Atom news feeds (oblenergo announcements), read with feedparser.

The bytes pass defusedxml first (see :mod:`feeds.outages.xmlsafe`): a document with entity
declarations or external references is refused before feedparser's own XML parser sees it.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import re
from datetime import UTC, datetime
from typing import Any

import feedparser

from feeds import timerange
from feeds.model import FeedFormatError
from feeds.outages.common import ParseContext
from feeds.outages.model import Announcement, OutageReport
from feeds.outages.xmlsafe import parse_xml

SUMMARY_LIMIT = 500
_TAG = re.compile(r"<[^>]+>")


def _text(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", value)).split())


def _time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                moment = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (ValueError, OverflowError, OSError):
                return None
            return timerange.checked(moment)
    return None


def _key(entry: Any) -> str:
    for key in ("id", "link"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    digest = hashlib.sha256(f"{entry.get('title')}|{entry.get('summary')}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def parse(body: bytes, ctx: ParseContext) -> OutageReport:
    parse_xml(body)
    # A stream, never a string: feedparser fetches strings that look like URLs.
    parsed = feedparser.parse(io.BytesIO(body), resolve_relative_uris=False, sanitize_html=True)
    if not parsed.get("version"):
        raise FeedFormatError("neither RSS nor Atom")
    items = []
    for entry in parsed.entries:
        title = _text(entry.get("title")) or _text(entry.get("summary"))[:80]
        if not title:
            continue
        summary = _text(entry.get("summary"))
        if len(summary) > SUMMARY_LIMIT:
            summary = summary[: SUMMARY_LIMIT - 1].rstrip() + "…"
        link = entry.get("link")
        items.append(
            Announcement(
                key=_key(entry),
                title=title,
                link=link if isinstance(link, str) and link.startswith("http") else None,
                published_at=_time(entry),
                summary=summary if summary and summary != title else None,
            )
        )
    return OutageReport(announcements=items)
