"""alerts.in.ua IoT status string: ``GET /v1/iot/active_air_raid_alerts_by_oblast.json``.

The cheapest alerts.in.ua call, for operators with a tight request budget: the answer is a JSON
*string* of 27 characters, one per oblast-level location in a fixed order that the docs give
(Crimea, Volyn, Vinnytsia, ... — not sorted by UID; see :data:`OBLAST_ORDER`). Air raids only,
oblast level only, no start times.

Characters (devs.alerts.in.ua, and the official Python client 0.4.0):

- ``A``: an air-raid alert over the whole oblast (v1);
- ``R`` / ``Y``: the same with a red / yellow threat level (the ``/v2/iot/...`` variant);
- ``P``: part of the oblast (some raions or hromadas) is under alert;
- ``N``: no alert.

The only real example anywhere is the docs' own (``"ANNNNNNNNNNNANNNNNNNNNNNNNN"``); no
captured answer exists, so the tests are built from the documentation.
"""

from __future__ import annotations

from feeds import jsonbody
from feeds.model import AlertKind, FeedFormatError, Observation

# (alerts.in.ua UID, the docs' title) in the order of the 27 characters.
OBLAST_ORDER: tuple[tuple[str, str], ...] = (
    ("29", "Автономна Республіка Крим"),
    ("8", "Волинська область"),
    ("4", "Вінницька область"),
    ("9", "Дніпропетровська область"),
    ("28", "Донецька область"),
    ("10", "Житомирська область"),
    ("11", "Закарпатська область"),
    ("12", "Запорізька область"),
    ("13", "Івано-Франківська область"),
    ("31", "м. Київ"),
    ("14", "Київська область"),
    ("15", "Кіровоградська область"),
    ("16", "Луганська область"),
    ("27", "Львівська область"),
    ("17", "Миколаївська область"),
    ("18", "Одеська область"),
    ("19", "Полтавська область"),
    ("5", "Рівненська область"),
    ("30", "м. Севастополь"),
    ("20", "Сумська область"),
    ("21", "Тернопільська область"),
    ("22", "Харківська область"),
    ("23", "Херсонська область"),
    ("3", "Хмельницька область"),
    ("24", "Черкаська область"),
    ("26", "Чернівецька область"),
    ("25", "Чернігівська область"),
)
OBLAST_IDS = frozenset(uid for uid, _ in OBLAST_ORDER)

# character -> (partial, level); "N" means no alert.
_STATUS: dict[str, tuple[bool, str | None]] = {
    "A": (False, None),
    "R": (False, "red"),
    "Y": (False, "yellow"),
    "P": (True, None),
}
_KNOWN = frozenset(_STATUS) | {"N"}


def covers(region_id: str, alert_kind: str) -> bool:
    """The string speaks of oblast-level air raids only: its silence ends nothing else."""
    return alert_kind == AlertKind.AIR_RAID and region_id in OBLAST_IDS


def parse_status(body: bytes) -> list[Observation]:
    """Observations from a by-oblast status string (v1 or v2).

    Anything but a string of exactly 27 known characters raises :class:`FeedFormatError`:
    with a position shifted or a status unknown we cannot tell which oblast is under alert,
    and reading it as "no alert" would end real alerts. A failed poll keeps the last state.
    """
    data = jsonbody.loads(body)
    if not isinstance(data, str):
        raise FeedFormatError(f"expected a JSON string, got {type(data).__name__}")
    if len(data) != len(OBLAST_ORDER):
        raise FeedFormatError(f"expected {len(OBLAST_ORDER)} status characters, got {len(data)}")
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise FeedFormatError(f"unknown status character(s) {''.join(unknown)!r}")
    observations: list[Observation] = []
    for char, (region_id, title) in zip(data, OBLAST_ORDER, strict=True):
        status = _STATUS.get(char)
        if status is None:
            continue
        partial, level = status
        observations.append(
            Observation(
                region_id=region_id,
                region_title=title,
                kind=AlertKind.AIR_RAID,
                since=None,
                level=level,
                partial=partial,
                place_level="city" if title.startswith("м. ") else "oblast",
            )
        )
    return observations
