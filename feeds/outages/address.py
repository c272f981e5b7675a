"""Street addresses as residents type them and as providers publish them, made comparable.

A resident writes ``Львів, вул. Стрийська, 12``; LOE's ``pw_accidents`` says
``{"city": {"name": "Львів"}, "street": {"name": "вул. Стрийська"}, "buildingNames": "10, 12"}``;
Yasno names a house ``72/Б``. The keys below make these meet: case, the three apostrophes
(ʼ ' ’), dots, extra spaces and the alphabet (keys are transliterated) do not count; the
street's kind (вулиця, проспект, площа …) is kept apart from its name, so ``Стрийська``
matches ``вул. Стрийська`` while ``пл. Ринок`` and ``вул. Ринок`` stay two streets when both
sides name the kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from feeds.regions import transliterate

MAX_TEXT = 200  # the whole address as typed
MAX_CITY = 60
MAX_STREET = 100
MAX_HOUSE = 16
# The stored keys' widths (storage/outage_models.py): a key is cut to them on both sides, so
# that a long name (transliteration and case folding make it longer) still compares.
CITY_KEY_WIDTH = 240
STREET_KEY_WIDTH = 400
HOUSE_KEY_WIDTH = 64

# Canonical kind → the spellings residents and providers use (with or without a dot).
_STREET_KINDS: dict[str, tuple[str, ...]] = {
    "вулиця": ("вул", "вулиця", "вулиці", "ул", "улица", "vul", "street", "st"),
    "проспект": ("просп", "проспект", "пр-т", "пр", "prosp", "avenue", "ave"),
    "площа": ("пл", "площа", "pl", "square"),
    "провулок": ("пров", "провулок", "пров-к", "prov", "lane"),
    "бульвар": ("бульв", "бульвар", "б-р", "blvd"),
    "шосе": ("шосе",),
    "узвіз": ("узвіз",),
    "тупик": ("туп", "тупик"),
    "набережна": ("наб", "набережна"),
}
_KIND_OF = {spelling: kind for kind, spellings in _STREET_KINDS.items() for spelling in spellings}
_CITY_PREFIXES = ("м", "місто", "с", "село", "смт", "сел", "селище", "city")
_APOSTROPHES = str.maketrans({"ʼ": "'", "’": "'", "‘": "'", "`": "'", "ʹ": "'", "′": "'"})
# Latin letters that look like Cyrillic ones, as typed in house numbers ("12a", "5B").
_LOOKALIKE = str.maketrans({"a": "а", "b": "б", "c": "с", "e": "е", "o": "о", "k": "к"})
_HOUSE = re.compile(r"^(\d{1,5})\s*(?:[-/]?\s*([^\W\d_]))?(?:\s*/\s*(\d{1,5}[^\W\d_]?))?$")
_HOUSE_TAIL = re.compile(r"^(.*\D)\s+(\d{1,5}(?:\s*[-/]?\s*[^\W\d_]|\s*/\s*\d{1,5})?)$")


def clean(text: str) -> str:
    """One spelling of the apostrophe, single spaces, no spaces around the ends."""
    return " ".join(text.translate(_APOSTROPHES).split())


def _words(text: str) -> list[str]:
    # A dot ends an abbreviation ("вул.Стрийська" too); the apostrophe belongs to the word.
    return re.sub(r"[.,;:«»\"()]", " ", clean(text)).casefold().replace("'", "").split()


def _latin(words: list[str]) -> str:
    # Keys are in Latin letters by the official transliteration, so that "Lviv, vul. Stryiska"
    # typed in English meets LOE's "Львів", "вул. Стрийська".
    return transliterate(" ".join(words)).casefold()


def city_key(name: str) -> str:
    words = _words(name)
    while len(words) > 1 and words[0] in _CITY_PREFIXES:
        words = words[1:]
    return _latin(words)[:CITY_KEY_WIDTH]


def street_key(name: str) -> tuple[str | None, str]:
    """(kind or None, name): ``вул. Стрийська`` → ("вулиця", "stryiska")."""
    words = _words(name)
    kind = None
    if len(words) > 1 and words[0] in _KIND_OF:
        kind, words = _KIND_OF[words[0]], words[1:]
    elif len(words) > 1 and words[-1] in _KIND_OF:
        kind, words = _KIND_OF[words[-1]], words[:-1]
    return kind, _latin(words)[:STREET_KEY_WIDTH]


def house_key(name: str) -> str | None:
    """``12``, ``12а``, ``12-А``, ``12 a``, ``72/Б`` → ``12``/``12a``/``72b`` (transliterated,
    as the other keys); ``67/69`` stays. None for what is not a house number."""
    text = clean(name).casefold().translate(_LOOKALIKE)
    match = _HOUSE.match(text)
    if match is None:
        return None
    number, letter, second = match.groups()
    return _latin([number + (letter or "") + (f"/{second}" if second else "")])[:HOUSE_KEY_WIDTH]


_RANGE = re.compile(r"^\s*(\d{1,5})\s*[-–—]\s*(\d{1,5})\s*$")


def _items(listed: str | Iterable[str]) -> list[str]:
    return re.split(r"[,;]", listed) if isinstance(listed, str) else [str(i) for i in listed]


def house_listed(listed: str | Iterable[str] | None, house: str | None) -> bool:
    """Whether a provider's list of houses takes in ``house`` (a :func:`house_key`): no list,
    or no house given, means the whole street; "10-20" takes in every house from 10 to 20
    (12, 14а), as the lists write a stretch of a street."""
    if listed is None or house is None:
        return True
    items = _items(listed)
    keys = houses_of(items)
    if keys is None and not any(_RANGE.match(item) for item in items):
        return True  # nothing readable in the list: the street
    if keys is not None and house in keys:
        return True
    number = re.match(r"\d+", house)
    if number is None:
        return False
    for item in items:
        found = _RANGE.match(item)
        if found is not None:
            low, high = sorted((int(found.group(1)), int(found.group(2))))
            if low <= int(number.group()) <= high:
                return True
    return False


def houses_of(listed: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """The house keys of a provider's list (``"10, 12, 14"`` or an array); None: no list."""
    if listed is None:
        return None
    keys = tuple(k for k in (house_key(item) for item in _items(listed)) if k is not None)
    return keys or None


@dataclass(frozen=True, slots=True)
class Address:
    """An address as understood: the display forms and the keys that compare."""

    city: str
    street: str
    house: str | None

    @property
    def city_key(self) -> str:
        return city_key(self.city)

    @property
    def street_kind(self) -> str | None:
        return street_key(self.street)[0]

    @property
    def street_key(self) -> str:
        return street_key(self.street)[1]

    @property
    def house_key(self) -> str | None:
        return None if self.house is None else house_key(self.house)

    def display(self) -> str:
        return ", ".join(p for p in (self.city, self.street, self.house) if p)


class AddressError(ValueError):
    """What is wrong with a typed address: ``code`` names the catalog line that says it."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse(text: str) -> Address:
    """``місто, вулиця, будинок`` (the house may follow the street without a comma, or be
    left out: then the whole street). Raises :class:`AddressError`."""
    if len(text) > MAX_TEXT:
        raise AddressError("too_long")
    parts = [clean(p) for p in clean(text).split(",")]
    parts = [p for p in parts if p]
    if len(parts) == 2:
        tail = _HOUSE_TAIL.match(parts[1])
        if tail is not None and house_key(tail.group(2)) is not None:
            parts = [parts[0], tail.group(1).strip(), tail.group(2)]
    if len(parts) not in (2, 3):
        raise AddressError("usage")
    city, street = parts[0], parts[1]
    house = parts[2] if len(parts) == 3 else None
    if len(city) > MAX_CITY or len(street) > MAX_STREET or (house and len(house) > MAX_HOUSE):
        raise AddressError("too_long")
    if not re.search(r"[^\W\d_]", city) or city_key(city) == "":
        raise AddressError("usage")
    words = _words(street)
    # "вул." alone names no street; "Набережна" alone is a street's name.
    only_kind = len(words) == 1 and _KIND_OF.get(words[0], "набережна") != "набережна"
    if only_kind or not re.search(r"[^\W\d_]", street_key(street)[1]):
        raise AddressError("no_street")
    street = re.sub(r"^([^\W\d_]+)\.(?=[^\W\d_])", r"\1. ", street)
    if house is not None and house_key(house) is None:
        raise AddressError("bad_house")
    city_words = city.split()
    if len(city_words) > 1 and _words(city_words[0]) and _words(city_words[0])[0] in _CITY_PREFIXES:
        city = " ".join(city_words[1:])
    return Address(city=city, street=street, house=house)


def same_street(
    city_a: str, kind_a: str | None, street_a: str, city_b: str, kind_b: str | None, street_b: str
) -> bool:
    """Keys of two streets: the same city and name, and the same kind where both name one."""
    if city_a != city_b or street_a != street_b:
        return False
    return kind_a is None or kind_b is None or kind_a == kind_b
