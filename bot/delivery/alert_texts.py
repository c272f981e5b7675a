"""Alert messages and the truce note, in the chat's language, times shown in Europe/Kyiv."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import CATALOG, DEFAULT_LANGUAGE, t, tn
from feeds import regions
from feeds.model import PARTIAL_SUFFIX, base_kind
from storage import merge as alert_store
from storage.models import AlertEvent, AlertState
from storage.truce_notices import SinceStart
from storage.truces import UNSPECIFIED_PARTY, TruceView

KYIV = ZoneInfo("Europe/Kyiv")


def kyiv_time(moment: datetime, today: datetime | None = None) -> str:
    """ "14:05" when ``moment`` falls on the same Kyiv day as ``today``, else "14:05, 26.11"
    (the year only when it is not ``today``'s): the time is what a resident looks for.
    Without ``today`` (lists of truces and records that span years): "14:05, 26.11.2025"."""
    try:
        local = moment.astimezone(KYIV)
        if today is None:
            return local.strftime("%H:%M, %d.%m.%Y")
        ref = today.astimezone(KYIV)
        if local.date() == ref.date():
            return local.strftime("%H:%M")
        if local.year != ref.year:
            return local.strftime("%H:%M, %d.%m.%Y")
        return local.strftime("%H:%M, %d.%m")
    except (OverflowError, ValueError):
        # Only a time stored before the range check (feeds/timerange.py) can be this far off;
        # shown as it is rather than failing every message and list that mentions it.
        return moment.isoformat(timespec="minutes")


def duration_text(seconds: float, lang: str, *, at_least_a_minute: bool = True) -> str:
    """ "47 хв", "2 год", "1 год 5 хв", rounded to the minute: every duration a user reads.

    An alert or a wait is never "0 хв" (it happened, so it lasted), but a measured total may
    be: the ledger's alert-minutes in a pause that held are 0, and that is the news.
    """
    minutes = round(seconds / 60)
    if at_least_a_minute:
        minutes = max(1, minutes)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return t(lang, "duration.m", minutes=minutes)
    if not minutes:
        return t(lang, "duration.h", hours=hours)
    return t(lang, "duration.hm", hours=hours, minutes=minutes)


def region_accusative(region_id: str, fallback: str, lang: str) -> str:
    """The region after "на" ("підписані на Львівську область"); a place with no stored
    accusative goes in a wording that needs no case ("на регіон «…»")."""
    name = region_name(region_id, fallback, lang)
    if lang == "en":
        return name
    stored = regions.name_accusative(region_id)
    return stored if stored is not None else t(lang, "region.accusative_fallback", region=name)


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
    """One short line per truce: its name, who announced it (or that no party was given) and
    the announced end; details are in /truces. Claims nothing more than the announcement.

    ``key`` picks another wording with the same blanks (the outage note speaks of outages).
    """
    claims = truce.claims_in_force(at) or list(truce.claims)
    parties = "; ".join(
        t(
            lang,
            "truce.party_end" if c.ends_at is not None else "truce.party_open",
            party=party_name(c.party, lang),
            end=kyiv_time(c.ends_at, at) if c.ends_at is not None else "",
        )
        for c in claims
    )
    key = key or ("truce.note_end" if ended else "truce.note")
    text = t(lang, key, name=truce.name, scope=scope_name(truce.scope, lang), parties=parties)
    # Still one line per truce: how long the pause had been in force follows on the same line.
    return f"{text} · {since}" if since else text


def since_text(items: Sequence[SinceStart], lang: str) -> str:
    """ "Перша тривога в регіоні за 5 год 12 хв від оголошеного початку" per claim in force
    (the party named when claims with different starts are in force)."""

    def one(item: SinceStart) -> str:
        elapsed = duration_text(item.minutes * 60, lang)
        return t(lang, "truce.elapsed_first" if item.first else "truce.elapsed", elapsed=elapsed)

    texts = {one(item) for item in items}
    if len(texts) == 1:
        return texts.pop()
    return " ".join(t(lang, "truce.elapsed_party", party=i.party, text=one(i)) for i in items)


def party_name(party: str, lang: str) -> str:
    """Who announced a truce; "сторону не вказано" when the admin gave no party."""
    return t(lang, "truce.party_unspecified") if party == UNSPECIFIED_PARTY else party


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


_THREAT_HINTS = (  # words in a source's own threat text (ukrainealarm's reason) -> our key
    ("баліст", "ballistic_missiles"),
    ("ballistic", "ballistic_missiles"),
    ("дрон", "drones"),
    ("шахед", "drones"),
    ("drone", "drones"),
    ("каб", "guided_aerial_bombs"),
    ("авіабомб", "guided_aerial_bombs"),
)
# A level the source repeats inside its reason ("Дронова загроза (жовтий рівень)"): the
# message shows the level once, on its own.
_LEVEL_IN_TEXT = re.compile(r"\s*\((?:жовтий|червоний|yellow|red)[^)]*\)", re.IGNORECASE)


def threat_key(threat: str) -> str:
    """Our threat key for a known type or a source's text that names one; else the text."""
    if f"threat.{threat}" in CATALOG[DEFAULT_LANGUAGE]:
        return threat
    folded = threat.casefold()
    for hint, key in _THREAT_HINTS:
        if hint in folded:
            return key
    return threat


def action_text(event: AlertEvent, lang: str) -> str:
    """What to do now, by the threat where the source says it, else by the alert kind."""
    if event.threat:
        key = f"action.threat.{threat_key(event.threat)}"
        if key in CATALOG[DEFAULT_LANGUAGE]:
            return t(lang, key)
    key = f"action.{event.kind}"
    return t(lang, key if key in CATALOG[DEFAULT_LANGUAGE] else "action.other")


def threat_line(level: str | None, threat: str | None, lang: str) -> str | None:
    """The threat type and level in one line, the level said once."""
    level_text = t(lang, f"level.{level}") if level in ("red", "yellow") else None
    if threat:
        shown = threat_name(threat, lang)
        if level_text:
            shown = _LEVEL_IN_TEXT.sub("", shown)
            return t(lang, "alert.threat_level", threat=shown, level=level_text)
        return t(lang, "alert.threat", threat=shown)
    if level_text:
        return t(lang, "alert.level", level=level_text)
    return None


def kind_genitive(kind: str, lang: str) -> str:
    try:
        return t(lang, f"kind_gen.{kind}")
    except KeyError:
        return t(lang, "kind_gen.other")


def _lasted(event: AlertEvent, lang: str) -> str:
    started = event.started_at
    if started is None or started > event.occurred_at:
        return ""
    seconds = (event.occurred_at - started).total_seconds()
    return t(lang, "alert.lasted", duration=duration_text(seconds, lang))


def with_truce_notes(
    text: str,
    event: AlertEvent,
    truces: Iterable[TruceView],
    since: Mapping[int, Sequence[SinceStart]] | None,
    lang: str,
) -> str:
    """The alert, then one line per announced pause in force (no blank line between them)."""
    notes = [
        truce_note(
            truce,
            event.detected_at,
            lang,
            ended=event.transition != "start",
            since=since_text(since[truce.id], lang) if since and since.get(truce.id) else None,
        )
        for truce in truces
    ]
    return "\n\n".join([text, "\n".join(notes)]) if notes else text


def alert_message(
    event: AlertEvent,
    truces: Iterable[TruceView],
    lang: str,
    since: Mapping[int, Sequence[SinceStart]] | None = None,
) -> str:
    """``since``: per truce id, how long its claims had been in force (the note says so)."""
    kind = kind_name(event.kind, lang)
    region = region_name(event.region_id, event.region_title, lang)
    time = kyiv_time(event.occurred_at, event.detected_at)
    if event.transition == "start":
        text = t(lang, "alert.start", kind=kind, region=region, time=time)
        text += "\n" + action_text(event, lang)
        if line := threat_line(event.level, event.threat, lang):
            text += "\n" + line
    elif event.transition == "update":
        text = t(lang, "alert.update", kind=kind, region=region, time=time)
        if line := threat_line(event.level, event.threat, lang):
            text += "\n" + line
        text += "\n" + action_text(event, lang)
        return text
    else:
        text = t(
            lang,
            "alert.end",
            kind_gen=kind_genitive(event.kind, lang),
            region=region,
            time=time,
            lasted=_lasted(event, lang),
        )
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
    return with_truce_notes(text, event, truces, since, lang)


# --- one message for several places of an oblast (issue 16, storage/alert_groups.py) -----


def _group_where(events: Sequence[AlertEvent], oblast: str, lang: str) -> str:
    """ "3 районах Львівської області: Золочівському, Львівському, Стрийському" (after "в"),
    or for places that are not all raions (or a raion of no regular name) "2 місцях
    Львівської області: Львівський район, м. Львів та …"."""
    places = regions.by_name(dict.fromkeys(e.region_id for e in events))
    count = len(places)
    titles = {e.region_id: e.region_title for e in events}
    stored = regions.name_genitive(oblast) if lang != "en" else None
    of = stored or t(lang, "region.genitive_fallback", region=_name(oblast, lang))
    if lang == "en":
        raions = [regions.short_name(p, lang) for p in places if _is_raion(p)]
    else:
        raions = [name for p in places if (name := regions.raion_locative(p)) is not None]
    if len(raions) == count:
        return tn(lang, "group.raions", count, oblast=of, names=_listed(raions, lang))
    names = _listed([region_name(p, titles[p], lang) for p in places], lang)
    return tn(lang, "group.places", count, oblast=of, names=names)


_VOWELS = frozenset("аеєиіїоуюяaeiouy")


def _preposition(before: str, lang: str) -> str:
    """ "в" after a vowel, "у" after a consonant: "тривога в 3 районах", "боїв у 3 районах"."""
    vowel = before[-1:].casefold() in _VOWELS
    return t(lang, "group.in_after_vowel" if vowel else "group.in_after_consonant")


def _is_raion(region_id: str) -> bool:
    region = regions.get(region_id)
    return region is not None and region.level == "raion"


def _group_start_lines(events: Sequence[AlertEvent], oblast: str, lang: str) -> list[str]:
    """What is under alert in the oblast now: the count when it is just these places, by name
    when there is more."""
    latest = max(events, key=lambda e: e.id)
    nearby = alert_store.nearby(latest.active_nearby)
    if nearby is None or oblast in nearby[0]:
        line = _parts_line(latest, lang)
        return [line] if line else []
    parts = regions.parts_under_alert(oblast, nearby[0])
    named = {raion for raion, _inside in parts.raions} | set(parts.others)
    if named == {e.region_id for e in events} and parts.raions_total:
        scope = t(
            lang,
            "scope.count",
            active=len(parts.raions),
            total=parts.raions_total,
            raions=tn(lang, "raions_after_of", parts.raions_total),
        )
        return [t(lang, "alert.parts", oblast=_name(oblast, lang), scope=scope)]
    return [t(lang, "alert.parts", oblast=_name(oblast, lang), scope=scope_text(parts, lang))]


def _group_lasted(events: Sequence[AlertEvent], lang: str) -> str:
    """ ", тривала 47 хв" when every place's alert lasted as long (to the minute)."""
    said = {_lasted(event, lang) for event in events}
    return said.pop() if len(said) == 1 else ""


def group_message(
    events: Sequence[AlertEvent],
    truces: Iterable[TruceView],
    lang: str,
    since: Mapping[int, Sequence[SinceStart]] | None = None,
) -> str:
    """One message for the starts (or the ends) of several places of one oblast: the places
    named, the call to action of a start (each different one, in the order of the places'
    events), the threat when all say the same, and what goes on in the oblast, as the single
    event's message says it."""
    events = sorted(events, key=lambda e: e.id)
    first = events[0]
    oblast = regions.oblast_of(first.region_id) or first.region_id
    if first.transition == "start":
        kind = kind_name(first.kind, lang)
        where = _group_where(events, oblast, lang)
        time = kyiv_time(min(e.occurred_at for e in events), first.detected_at)
        prep = _preposition(kind, lang)
        text = t(lang, "group.start", kind=kind, prep=prep, where=where, time=time)
        for action in dict.fromkeys(action_text(e, lang) for e in events):
            text += "\n" + action
        threats = {(e.level, e.threat) for e in events}
        if len(threats) == 1 and (line := threat_line(first.level, first.threat, lang)):
            text += "\n" + line
        lines = _group_start_lines(events, oblast, lang)
    else:
        latest = max(events, key=lambda e: e.occurred_at)
        kind_gen = kind_genitive(first.kind, lang)
        text = t(
            lang,
            "group.end",
            kind_gen=kind_gen,
            prep=_preposition(kind_gen, lang),
            where=_group_where(events, oblast, lang),
            time=kyiv_time(latest.occurred_at, latest.detected_at),
            lasted=_group_lasted(events, lang),
        )
        # The last event's picture of the oblast is the one after all of them.
        last = events[-1]
        if alert_store.nearby(last.active_nearby) is not None:
            lines = still_lines(last, lang)
        else:
            lines = [line] if (line := _parts_line(last, lang)) else []
    for line in lines:
        text += "\n" + line
    return with_truce_notes(text, first, truces, since, lang)
