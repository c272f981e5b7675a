"""CAP 1.2 (OASIS Common Alerting Protocol) messages.

The answer may be one ``<alert>`` or a feed (Atom/RSS) with ``<alert>`` elements inside its
entries; every CAP 1.2 alert in it is read. Only ``status`` Actual reaches residents: Exercise,
System, Test and Draft messages are dropped here. ``msgType`` Alert / Update / Cancel is kept.
"""

from __future__ import annotations

from datetime import datetime
from xml.etree.ElementTree import Element

from feeds.model import FeedFormatError
from feeds.outages.common import ParseContext, iso_utc
from feeds.outages.model import Announcement, OutageReport
from feeds.outages.xmlsafe import parse_xml

NS = "urn:oasis:names:tc:emergency:cap:1.2"
SUMMARY_LIMIT = 500


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _text(element: Element | None, name: str) -> str | None:
    if element is None:
        return None
    child = element.find(_q(name))
    if child is None or child.text is None:
        return None
    text = " ".join(child.text.split())
    return text or None


def _time(element: Element | None, name: str) -> datetime | None:
    return iso_utc(_text(element, name))


def _info(alert: Element, lang: str | None) -> Element | None:
    """The ``info`` block in the wanted language, else the first one."""
    infos = alert.findall(_q("info"))
    for info in infos:
        language = (_text(info, "language") or "en-US").lower()
        if lang and language.startswith(lang):
            return info
    return infos[0] if infos else None


def read_alert(alert: Element) -> Announcement | None:
    identifier = _text(alert, "identifier")
    sender = _text(alert, "sender")
    sent = _time(alert, "sent")
    status = _text(alert, "status")
    msg_type = _text(alert, "msgType")
    if not identifier or not sender or sent is None or not status or not msg_type:
        raise FeedFormatError("CAP alert without identifier, sender, sent, status or msgType")
    if status != "Actual":
        return None
    info = _info(alert, "uk")
    headline = _text(info, "headline") or _text(info, "event") or identifier
    description = _text(info, "description")
    if description and len(description) > SUMMARY_LIMIT:
        description = description[: SUMMARY_LIMIT - 1].rstrip() + "…"
    areas = [] if info is None else [_text(a, "areaDesc") for a in info.findall(_q("area"))]
    return Announcement(
        key=f"{sender},{identifier},{sent.isoformat()}",
        title=headline,
        link=_text(info, "web"),
        published_at=sent,
        summary=description,
        msg_type=msg_type,
        severity=_text(info, "severity"),
        expires_at=_time(info, "expires"),
        area="; ".join(a for a in areas if a) or None,
    )


def parse(body: bytes, ctx: ParseContext) -> OutageReport:
    root = parse_xml(body)
    alerts = [root] if root.tag == _q("alert") else list(root.iter(_q("alert")))
    if not alerts and root.tag.endswith("alert"):
        raise FeedFormatError(f"not a CAP 1.2 alert (namespace {root.tag.split('}')[0][1:]!r})")
    if not alerts and root.tag not in ("rss", "{http://www.w3.org/2005/Atom}feed"):
        raise FeedFormatError(f"neither a CAP alert nor a feed of them: <{root.tag}>")
    items = [item for item in (read_alert(a) for a in alerts) if item is not None]
    return OutageReport(announcements=items)
