"""Alert messages and the truce note, in the chat's language, times shown in Europe/Kyiv."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import t
from feeds import regions
from storage.models import AlertEvent
from storage.truces import TruceView

KYIV = ZoneInfo("Europe/Kyiv")


def kyiv_time(moment: datetime) -> str:
    try:
        return moment.astimezone(KYIV).strftime("%d.%m.%Y %H:%M")
    except (OverflowError, ValueError):
        # Only a time stored before the range check (feeds/timerange.py) can be this far off;
        # shown as it is rather than failing every message and list that mentions it.
        return moment.isoformat(timespec="minutes")


def region_name(region_id: str, fallback: str, lang: str) -> str:
    region = regions.get(region_id)
    if region is None:
        return fallback
    return region.name_en if lang == "en" else region.name_uk


def kind_name(kind: str, lang: str) -> str:
    try:
        return t(lang, f"kind.{kind}")
    except KeyError:
        return t(lang, "kind.other")


def threat_name(threat: str, lang: str) -> str:
    """A known threat type in words; a source's own text (e.g. ukrainealarm's reason) as is."""
    try:
        return t(lang, f"threat.{threat}")
    except KeyError:
        return threat


def scope_name(scope: str, lang: str) -> str:
    try:
        return t(lang, f"scope.{scope}")
    except KeyError:
        return scope


def window(starts_at: datetime, ends_at: datetime | None, lang: str) -> str:
    if ends_at is None:
        return t(lang, "truce.window_open", start=kyiv_time(starts_at))
    return t(lang, "truce.window", start=kyiv_time(starts_at), end=kyiv_time(ends_at))


def truce_note(
    truce: TruceView, at: datetime, lang: str, *, ended: bool = False, key: str | None = None
) -> str:
    """Names the truce, its scope, who announced it and the announced end; claims nothing more.

    ``key`` picks another wording with the same blanks (the outage note speaks of outages).
    """
    claims = truce.claims_in_force(at) or list(truce.claims)
    parties = "; ".join(
        t(lang, "truce.party_end", party=c.party, end=kyiv_time(c.ends_at))
        if c.ends_at is not None
        else t(lang, "truce.party_open", party=c.party)
        for c in claims
    )
    key = key or ("truce.note_end" if ended else "truce.note")
    return t(lang, key, name=truce.name, scope=scope_name(truce.scope, lang), parties=parties)


def _parts_line(event: AlertEvent, lang: str) -> str | None:
    """For an alert in a raion or hromada: the state of its oblast, for oblast subscribers."""
    region = regions.get(event.region_id)
    oblast = regions.oblast_of(event.region_id)
    if region is None or oblast is None or region.parent_id is None:
        return None
    name = region_name(oblast, oblast, lang)
    if event.parts_total:
        return t(
            lang,
            "alert.parts",
            oblast=name,
            active=event.parts_active or 0,
            total=event.parts_total,
        )
    return t(lang, "alert.part", oblast=name)


def alert_message(event: AlertEvent, truces: Iterable[TruceView], lang: str) -> str:
    kind = kind_name(event.kind, lang)
    region = region_name(event.region_id, event.region_title, lang)
    key = "alert.start" if event.transition == "start" else "alert.end"
    text = t(
        lang,
        key,
        kind=kind,
        kind_lower=kind[:1].lower() + kind[1:],
        region=region,
        time=kyiv_time(event.occurred_at),
    )
    if event.transition == "start" and event.level in ("red", "yellow"):
        text += "\n" + t(lang, "alert.level", level=t(lang, f"level.{event.level}"))
    if event.transition == "start" and event.threat:
        text += "\n" + t(lang, "alert.threat", threat=threat_name(event.threat, lang))
    parts = _parts_line(event, lang)
    if parts:
        text += "\n" + parts
    ended = event.transition != "start"
    notes = [truce_note(truce, event.detected_at, lang, ended=ended) for truce in truces]
    return "\n\n".join([text, *notes])
