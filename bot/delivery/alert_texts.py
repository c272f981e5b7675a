"""Alert messages and the truce note, in the chat's language, times shown in Europe/Kyiv."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import t, tn
from feeds import regions
from feeds.model import PARTIAL_SUFFIX, base_kind
from storage import merge as alert_store
from storage.models import AlertEvent, AlertState
from storage.truce_notices import SinceStart
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
    truce: TruceView,
    at: datetime,
    lang: str,
    *,
    ended: bool = False,
    key: str | None = None,
    since: str | None = None,
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
    text = t(lang, key, name=truce.name, scope=scope_name(truce.scope, lang), parties=parties)
    return f"{text}\n{since}" if since else text


def since_text(items: Sequence[SinceStart], lang: str) -> str:
    """ "Перша тривога в регіоні за 5 год 12 хв від оголошеного початку" per claim in force
    (the party named when claims with different starts are in force)."""

    def one(item: SinceStart) -> str:
        whole = round(item.minutes)
        elapsed = (
            t(lang, "duration.m", minutes=whole)
            if whole < 60
            else t(lang, "duration.hm", hours=whole // 60, minutes=whole % 60)
        )
        return t(lang, "truce.elapsed_first" if item.first else "truce.elapsed", elapsed=elapsed)

    texts = {one(item) for item in items}
    if len(texts) == 1:
        return texts.pop()
    return "\n".join(t(lang, "truce.elapsed_party", party=i.party, text=one(i)) for i in items)


MAX_NAMES = 8  # places named in one list; the rest are counted ("і ще 4")


def _listed(names: list[str], lang: str) -> str:
    if len(names) <= MAX_NAMES:
        return ", ".join(names)
    shown = ", ".join(names[:MAX_NAMES])
    return t(lang, "scope.more", names=shown, count=len(names) - MAX_NAMES)


def scope_text(parts: regions.PartsUnderAlert, lang: str) -> str:
    """ "під тривогою 3 з 7 районів: Самбірський, …" or "під тривогою: <places>"."""
    raions = [
        regions.short_name(raion, lang)
        + (f" ({_listed([_name(i, lang) for i in inside], lang)})" if inside else "")
        for raion, inside in parts.raions
    ]
    others = _listed([_name(i, lang) for i in parts.others], lang) if parts.others else ""
    if parts.raions_total and raions:
        names = _listed(raions, lang)
        if others:
            names = t(lang, "scope.also", names=names, others=others)
        return t(
            lang,
            "scope.count_named",
            active=len(raions),
            total=parts.raions_total,
            raions=tn(lang, "raions_after_of", parts.raions_total),
            names=names,
        )
    return t(lang, "scope.places", names=others)


def _name(region_id: str, lang: str) -> str:
    return region_name(region_id, region_id, lang)


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _parts_line(event: AlertEvent, lang: str) -> str | None:
    """For an alert in a raion or hromada: the state of its oblast, for oblast subscribers
    (from the counts alone: an event recorded before the places were kept)."""
    region = regions.get(event.region_id)
    oblast = regions.oblast_of(event.region_id)
    if region is None or oblast is None or region.parent_id is None:
        return None
    name = region_name(oblast, oblast, lang)
    if event.parts_total:
        scope = t(
            lang,
            "scope.count",
            active=event.parts_active or 0,
            total=event.parts_total,
            raions=tn(lang, "raions_after_of", event.parts_total),
        )
        return t(lang, "alert.parts", oblast=name, scope=scope)
    return t(lang, "alert.part", oblast=name)


def _start_lines(event: AlertEvent, whole: set[str], lang: str) -> list[str]:
    """A start below oblast level: how much of the oblast is under alert now, by name."""
    region = regions.get(event.region_id)
    oblast = regions.oblast_of(event.region_id)
    if region is None or oblast is None or region.parent_id is None:
        return []
    parts = regions.parts_under_alert(oblast, whole)
    if oblast in whole or not (parts.raions_total or parts.others != [event.region_id]):
        line = _parts_line(event, lang)
        return [line] if line else []
    return [t(lang, "alert.parts", oblast=_name(oblast, lang), scope=scope_text(parts, lang))]


def inside_lines(
    region_id: str, over: Iterable[AlertState], inside: Iterable[AlertState], lang: str
) -> list[str]:
    """For /status and the like: per alert kind that does not cover the whole place, which
    parts of it are under alert ("під тривогою 3 з 7 районів: Самбірський, …")."""
    covered = {state.kind for state in over}
    by_kind: dict[str, set[str]] = {}
    for state in inside:
        if state.kind not in covered:
            by_kind.setdefault(state.kind, set()).add(state.region_id)
    lines = []
    for kind, places in sorted(by_kind.items()):
        parts = regions.parts_under_alert(region_id, places)
        if not parts:
            continue
        lines.append(
            t(
                lang,
                "status.parts",
                region=_name(region_id, lang),
                kind_lower=_lower(kind_name(kind, lang)),
                scope=scope_text(parts, lang),
            )
        )
    return lines


def still_lines(event: AlertEvent, lang: str) -> list[str]:
    """For an end: what still goes on over the place and elsewhere in its oblast, so that an
    oblast (or raion) subscriber never reads a bare all clear while part of it is under alert;
    when nothing is left below oblast level, that the oblast is clear."""
    nearby = alert_store.nearby(event.active_nearby)
    oblast = regions.oblast_of(event.region_id)
    if nearby is None or oblast is None:
        return []
    whole, partly = nearby
    lines: list[str] = []
    # The place itself counts when what ended was a "part of it" report and it is under an
    # alert as a whole.
    partial_end = event.kind.endswith(PARTIAL_SUFFIX)
    chain = regions.lineage(event.region_id)[0 if partial_end else 1 :]
    over = [r for r in reversed(chain) if r in whole]
    if over:
        names = ", ".join(_name(r, lang) for r in over)
        lines.append(t(lang, "alert.still_over", regions=names))
    if oblast not in whole:
        parts = regions.parts_under_alert(oblast, whole)
        named = {raion for raion, _inside in parts.raions} | set(parts.others)
        if named - set(over):
            scope = scope_text(parts, lang)
            lines.append(t(lang, "alert.still_parts", oblast=_name(oblast, lang), scope=scope))
        elif not over and oblast in partly:
            partial = kind_name(base_kind(event.kind) + PARTIAL_SUFFIX, lang)
            lines.append(
                t(
                    lang,
                    "alert.still_partial",
                    kind_lower=_lower(partial),
                    oblast=_name(oblast, lang),
                )
            )
    if not lines and event.region_id != oblast:
        lines.append(t(lang, "alert.oblast_clear", oblast=_name(oblast, lang)))
    return lines


def alert_message(
    event: AlertEvent,
    truces: Iterable[TruceView],
    lang: str,
    since: Mapping[int, Sequence[SinceStart]] | None = None,
) -> str:
    """``since``: per truce id, how long its claims had been in force (the note says so)."""
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
    nearby = alert_store.nearby(event.active_nearby)
    if event.transition != "start":
        lines = still_lines(event, lang) if nearby is not None else []
        if nearby is None and (line := _parts_line(event, lang)):
            lines = [line]
    elif nearby is not None:
        lines = _start_lines(event, nearby[0], lang)
    else:
        line = _parts_line(event, lang)
        lines = [line] if line else []
    for line in lines:
        text += "\n" + line
    ended = event.transition != "start"
    notes = [
        truce_note(
            truce,
            event.detected_at,
            lang,
            ended=ended,
            since=since_text(since[truce.id], lang) if since and since.get(truce.id) else None,
        )
        for truce in truces
    ]
    return "\n\n".join([text, *notes])
