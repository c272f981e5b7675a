"""The region registry: every place a chat can subscribe to, and how people spell it.

The canonical region id is the alerts.in.ua location UID as a string ("27" = Lviv oblast,
"31" = Kyiv city). ukrainealarm.com uses the same numbers for oblasts, raions and hromadas,
except Crimea (ukrainealarm ``9999``, alerts.in.ua ``29``); mapping that is the feed adapter's job.

Covered: the 24 oblasts, Crimea, Kyiv and Sevastopol (the 27 top-level locations of the
alerts.in.ua IoT list, with the titles alerts.in.ua writes in ``location_title``), Lviv oblast's
seven raions and the Lviv city hromada.

Name matching (:func:`resolve`) works in two passes over the names and aliases:

1. an exact match after light normalisation (case, apostrophes, punctuation, mixed scripts);
2. an exact match after :func:`normalise`, which also drops filler words such as "область",
   "м." or "city". The dropped words hint at the level wanted ("Lviv city" is not "Lviv
   oblast"), and that hint settles the collisions the dropping creates.

So "Lviv" and "Львів" mean Lviv oblast (what people mean when they subscribe), while
"м. Львів" / "Lviv city" mean the city hromada; "Kyiv" means Kyiv city and "Kyiv oblast" /
"Київська" the oblast around it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Literal

Level = Literal["oblast", "city", "raion", "hromada"]


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    name_uk: str
    name_en: str
    level: Level
    parent_id: str | None
    aliases: tuple[str, ...]


# id, official Ukrainian title, English name, level, parent id, aliases ("|"-separated).
# fmt: off
_TABLE: tuple[tuple[str, str, str, Level, str | None, str], ...] = (
    ("29", "Автономна Республіка Крим", "Crimea", "oblast", None,
     "Крим|АР Крим|АРК|Республіка Крим|Crimea|Krym|Autonomous Republic of Crimea"
     "|Republic of Crimea|Крым"),
    ("4", "Вінницька область", "Vinnytsia oblast", "oblast", None,
     "Вінницька|Вінниця|Вінниччина|Vinnytsia|Vinnytsya|Vinnitsa|Vinnytska|Vinnytska oblast"
     "|Винница"),
    ("8", "Волинська область", "Volyn oblast", "oblast", None,
     "Волинська|Волинь|Луцьк|Volyn|Volynska|Volynska oblast|Volhynia|Lutsk|Луцк"),
    ("9", "Дніпропетровська область", "Dnipropetrovsk oblast", "oblast", None,
     "Дніпропетровська|Дніпро|Дніпропетровськ|Дніпропетровщина|Dnipro|Dnipropetrovsk"
     "|Dnipropetrovska|Dnipropetrovska oblast|Dnepr|Dnepropetrovsk|Днепр|Днепропетровск"),
    ("28", "Донецька область", "Donetsk oblast", "oblast", None,
     "Донецька|Донецьк|Донеччина|Donetsk|Donetska|Donetska oblast|Донецк"),
    ("10", "Житомирська область", "Zhytomyr oblast", "oblast", None,
     "Житомирська|Житомир|Житомирщина|Zhytomyr|Zhytomyrska|Zhytomyrska oblast|Zhitomir"),
    ("11", "Закарпатська область", "Zakarpattia oblast", "oblast", None,
     "Закарпатська|Закарпаття|Ужгород|Zakarpattia|Zakarpattya|Zakarpatska"
     "|Zakarpatska oblast|Transcarpathia|Uzhhorod|Uzhgorod"),
    ("12", "Запорізька область", "Zaporizhzhia oblast", "oblast", None,
     "Запорізька|Запоріжжя|Запоріжчина|Zaporizhzhia|Zaporizhia|Zaporizhzhya|Zaporozhye"
     "|Zaporizka|Zaporizka oblast|Запорожье"),
    ("13", "Івано-Франківська область", "Ivano-Frankivsk oblast", "oblast", None,
     "Івано-Франківська|Івано-Франківськ|Франківськ|Івано-Франківщина|Прикарпаття"
     "|Ivano-Frankivsk|Ivano-Frankivska|Ivano-Frankivska oblast|Frankivsk|Ivano-Frankovsk"
     "|Ивано-Франковск"),
    ("31", "м. Київ", "Kyiv city", "city", None,
     "Київ|місто Київ|Kyiv|Kiev|Kyiv city|Kiev city|Киев"),
    ("14", "Київська область", "Kyiv oblast", "oblast", None,
     "Київська|Київщина|Kyivska|Kyivska oblast|Kiev oblast|Kyiv region|Kyivshchyna"),
    ("15", "Кіровоградська область", "Kirovohrad oblast", "oblast", None,
     "Кіровоградська|Кропивницький|Кіровоград|Кіровоградщина|Kirovohrad|Kirovohradska"
     "|Kirovohradska oblast|Kirovograd|Kropyvnytskyi|Kropyvnytskyy|Kropyvnytskyi oblast"
     "|Кропивницкий|Кировоград"),
    ("16", "Луганська область", "Luhansk oblast", "oblast", None,
     "Луганська|Луганськ|Луганщина|Luhansk|Luhanska|Luhanska oblast|Lugansk|Луганск"),
    ("27", "Львівська область", "Lviv oblast", "oblast", None,
     "Львівська|Львів|Львівщина|Lviv|Lvivska|Lvivska oblast|Lvov|Lwów|Lwow|Львов"),
    ("17", "Миколаївська область", "Mykolaiv oblast", "oblast", None,
     "Миколаївська|Миколаїв|Миколаївщина|Mykolaiv|Mykolaivska|Mykolaivska oblast|Nikolaev"
     "|Nikolayev|Николаев"),
    ("18", "Одеська область", "Odesa oblast", "oblast", None,
     "Одеська|Одеса|Одещина|Odesa|Odessa|Odeska|Odeska oblast|Одесса"),
    ("19", "Полтавська область", "Poltava oblast", "oblast", None,
     "Полтавська|Полтава|Полтавщина|Poltava|Poltavska|Poltavska oblast"),
    ("5", "Рівненська область", "Rivne oblast", "oblast", None,
     "Рівненська|Рівне|Рівненщина|Rivne|Rivnenska|Rivnenska oblast|Rovno|Ровно"),
    ("30", "м. Севастополь", "Sevastopol", "city", None,
     "Севастополь|місто Севастополь|Sevastopol|Sevastopol city|Sebastopol"),
    ("20", "Сумська область", "Sumy oblast", "oblast", None,
     "Сумська|Суми|Сумщина|Sumy|Sumska|Sumska oblast|Сумы"),
    ("21", "Тернопільська область", "Ternopil oblast", "oblast", None,
     "Тернопільська|Тернопіль|Тернопільщина|Ternopil|Ternopilska|Ternopilska oblast"
     "|Ternopol|Тернополь"),
    ("22", "Харківська область", "Kharkiv oblast", "oblast", None,
     "Харківська|Харків|Харківщина|Kharkiv|Kharkivska|Kharkivska oblast|Kharkov|Харьков"),
    ("23", "Херсонська область", "Kherson oblast", "oblast", None,
     "Херсонська|Херсон|Херсонщина|Kherson|Khersonska|Khersonska oblast"),
    ("3", "Хмельницька область", "Khmelnytskyi oblast", "oblast", None,
     "Хмельницька|Хмельницький|Хмельниччина|Khmelnytskyi|Khmelnytskyy|Khmelnytsky"
     "|Khmelnitsky|Khmelnytska|Khmelnytska oblast|Хмельницкий"),
    ("24", "Черкаська область", "Cherkasy oblast", "oblast", None,
     "Черкаська|Черкаси|Черкащина|Cherkasy|Cherkassy|Cherkaska|Cherkaska oblast|Черкассы"),
    ("26", "Чернівецька область", "Chernivtsi oblast", "oblast", None,
     "Чернівецька|Чернівці|Буковина|Chernivtsi|Chernivetska|Chernivetska oblast|Chernovtsy"
     "|Bukovina|Черновцы"),
    ("25", "Чернігівська область", "Chernihiv oblast", "oblast", None,
     "Чернігівська|Чернігів|Чернігівщина|Chernihiv|Chernihivska|Chernihivska oblast"
     "|Chernigov|Чернигов"),
    # Lviv oblast's raions (2020 division). 92 was renamed from Червоноградський in 2024;
    # ukrainealarm's /regions dump still says "Червоноградський район".
    ("90", "Львівський район", "Lviv raion", "raion", "27", "Львівський|Lvivskyi"),
    ("91", "Дрогобицький район", "Drohobych raion", "raion", "27", "Дрогобицький|Drohobytskyi"),
    ("88", "Самбірський район", "Sambir raion", "raion", "27", "Самбірський|Sambirskyi"),
    ("89", "Стрийський район", "Stryi raion", "raion", "27", "Стрийський|Stryiskyi"),
    ("94", "Золочівський район", "Zolochiv raion", "raion", "27", "Золочівський|Zolochivskyi"),
    ("92", "Шептицький район", "Sheptytskyi raion", "raion", "27",
     "Шептицький|Sheptytskyi|Червоноградський район|Червоноградський|Chervonohrad raion"
     "|Chervonohradskyi"),
    ("93", "Яворівський район", "Yavoriv raion", "raion", "27", "Яворівський|Yavorivskyi"),
    # The Lviv city hromada. Its alerts are separate records from the oblast's.
    ("845", "м. Львів та Львівська територіальна громада", "Lviv city hromada", "hromada", "90",
     "м. Львів|місто Львів|Львівська територіальна громада|Львівська громада|Lviv city"
     "|Lviv hromada"),
)
# fmt: on

_REGIONS: dict[str, Region] = {
    rid: Region(rid, uk, en, level, parent, tuple(alias_text.split("|")))
    for rid, uk, en, level, parent, alias_text in _TABLE
}

# The accusative ("знахідний") of each built-in region's Ukrainian name, for "підписані на
# Львівську область". Stored, not derived: a rule would get "Автономна Республіка Крим" or a
# hromada's compound name wrong. Learned places have none (callers fall back to a wording
# that needs no case, see :func:`name_accusative`).
_ACCUSATIVE_UK: dict[str, str] = {
    "29": "Автономну Республіку Крим",
    "4": "Вінницьку область",
    "8": "Волинську область",
    "9": "Дніпропетровську область",
    "28": "Донецьку область",
    "10": "Житомирську область",
    "11": "Закарпатську область",
    "12": "Запорізьку область",
    "13": "Івано-Франківську область",
    "31": "м. Київ",
    "14": "Київську область",
    "15": "Кіровоградську область",
    "16": "Луганську область",
    "27": "Львівську область",
    "17": "Миколаївську область",
    "18": "Одеську область",
    "19": "Полтавську область",
    "5": "Рівненську область",
    "30": "м. Севастополь",
    "20": "Сумську область",
    "21": "Тернопільську область",
    "22": "Харківську область",
    "23": "Херсонську область",
    "3": "Хмельницьку область",
    "24": "Черкаську область",
    "26": "Чернівецьку область",
    "25": "Чернігівську область",
    "91": "Дрогобицький район",
    "94": "Золочівський район",
    "90": "Львівський район",
    "88": "Самбірський район",
    "89": "Стрийський район",
    "92": "Шептицький район",
    "93": "Яворівський район",
    "845": "м. Львів та Львівську територіальну громаду",
}


def name_accusative(region_id: str) -> str | None:
    """The Ukrainian name in the accusative (after "на"), or None where none is stored."""
    return _ACCUSATIVE_UK.get(region_id)


# --- one message for several places of an oblast (issue 16, grouped alerts) ---------------
# The genitive ("родовий") of the oblast-level names, for "у 3 районах Львівської області".
# Stored, as the accusative is, for the same reason.
_GENITIVE_UK: dict[str, str] = {
    "29": "Автономної Республіки Крим",
    "4": "Вінницької області",
    "8": "Волинської області",
    "9": "Дніпропетровської області",
    "28": "Донецької області",
    "10": "Житомирської області",
    "11": "Закарпатської області",
    "12": "Запорізької області",
    "13": "Івано-Франківської області",
    "31": "м. Києва",
    "14": "Київської області",
    "15": "Кіровоградської області",
    "16": "Луганської області",
    "27": "Львівської області",
    "17": "Миколаївської області",
    "18": "Одеської області",
    "19": "Полтавської області",
    "5": "Рівненської області",
    "30": "м. Севастополя",
    "20": "Сумської області",
    "21": "Тернопільської області",
    "22": "Харківської області",
    "23": "Херсонської області",
    "3": "Хмельницької області",
    "24": "Черкаської області",
    "26": "Чернівецької області",
    "25": "Чернігівської області",
}
# A raion's name is one adjective and the word "район" ("Стрийський район"), learned ones
# (ukrainealarm's list) too: its locative is regular ("у Стрийському"), so it is derived;
# any other shape gets None and the caller a wording without the case.
_RAION_ADJECTIVE = re.compile(r"^([\w'’ʼ-]+)ий район$")


def name_genitive(region_id: str) -> str | None:
    """An oblast-level name in the genitive ("Львівської області"), None where none is stored."""
    return _GENITIVE_UK.get(region_id)


def raion_locative(region_id: str) -> str | None:
    """A raion's adjective in the locative, without "район" ("Стрийському", for "у 3 районах
    …: Стрийському, …"); None for anything that is not a raion so named."""
    region = _REGIONS.get(region_id)
    if region is None or region.level != "raion":
        return None
    found = _RAION_ADJECTIVE.match(region.name_uk)
    return found.group(1) + "ому" if found else None


def by_name(ids: Iterable[str]) -> list[str]:
    """Region ids in the order of their Ukrainian names, as lists of places show them."""
    return _by_name(list(ids))


# --- normalisation ----------------------------------------------------------------------

_APOSTROPHES = re.compile("['’ʼ`‘´′ʹ＇]")
_SEPARATORS = re.compile(r"[\W_]+")
# Latin letters that look like Cyrillic ones, for words typed with a mixed keyboard ("Kиїв").
_TO_CYRILLIC = str.maketrans("aceikopxyï", "асеікорхуї")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_RAION_ABBREVIATION = re.compile(r"\bр-н\b")  # "Львівський р-н"

_OBLAST_WORDS = frozenset({"область", "обл", "oblast", "obl", "region", "регіон", "province"})
_CITY_WORDS = frozenset({"м", "місто", "city", "г", "город"})
_RAION_WORDS = frozenset({"raion", "район", "rayon", "district"})
_HROMADA_WORDS = frozenset({"громада", "територіальна", "тг", "отг", "hromada", "community"})
_FILLER = _OBLAST_WORDS | _CITY_WORDS | _RAION_WORDS | _HROMADA_WORDS


def _tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("", text)
    text = _RAION_ABBREVIATION.sub(" район ", text)
    words = _SEPARATORS.split(text)
    return [w.translate(_TO_CYRILLIC) if _CYRILLIC.search(w) else w for w in words if w]


def _meaningful(words: list[str]) -> list[str]:
    kept = [w for w in words if w not in _FILLER]
    return kept or words


def normalise(text: str) -> str:
    """The form names are matched in.

    Casefolded; apostrophes removed ("Lvivs'ka" = "Lvivska"); any run of whitespace, hyphens,
    dots or other punctuation becomes one space; filler words ("область", "обл", "oblast",
    "region", "м", "місто", "city", "район", ...) are dropped unless nothing else is left.
    """
    return " ".join(_meaningful(_tokens(text)))


def _loose_key(text: str) -> str:
    return "".join(_tokens(text))


def _strict_key(text: str) -> str:
    return "".join(_meaningful(_tokens(text)))


def _level_hint(text: str) -> frozenset[str]:
    words = set(_tokens(text))
    hint: set[str] = set()
    if words & _OBLAST_WORDS:
        hint.add("oblast")
    if words & _CITY_WORDS:
        hint |= {"city", "hromada"}
    if words & _RAION_WORDS:
        hint.add("raion")
    if words & _HROMADA_WORDS:
        hint.add("hromada")
    return frozenset(hint)


def _spellings(region: Region) -> tuple[str, ...]:
    return (region.name_uk, region.name_en, *region.aliases)


_KeyFn = Callable[[str], str]


def _build(key_of: _KeyFn) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for region in _REGIONS.values():
        for spelling in _spellings(region):
            key = key_of(spelling)
            if key and region.id not in index.setdefault(key, []):
                index[key].append(region.id)
    return {key: tuple(ids) for key, ids in index.items()}


_BUILT_IN = frozenset(_REGIONS)
_LOOSE = _build(_loose_key)  # keys of names/aliases as typed
_STRICT = _build(_strict_key)  # the same without filler words
_CUTOFF = 0.6  # difflib similarity below which suggest() ignores a name
_FUZZY_MIN = 4  # shorter keys ("арк") match too much by accident; suggest() skips them

# --- Ukrainian collation, for sorting by name -------------------------------------------

_ALPHABET = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}


def _collation_key(name: str) -> tuple[int, ...]:
    # "м. Київ" sorts as "Київ", as in the alerts.in.ua table.
    name = name.removeprefix("м. ").casefold()
    return tuple(_RANK.get(ch, -1 if not ch.isalnum() else len(_RANK) + ord(ch)) for ch in name)


def _depth(region: Region) -> int:
    return len(lineage(region.id)) - 1


# --- public API -------------------------------------------------------------------------


def get(region_id: str) -> Region | None:
    return _REGIONS.get(region_id)


def all_regions() -> list[Region]:
    """Every region: the top level first, then raions, then hromadas, each by Ukrainian name."""
    return sorted(_REGIONS.values(), key=lambda r: (_depth(r), _collation_key(r.name_uk), r.id))


def top_level() -> list[Region]:
    """The 27 oblast-level locations (oblasts, Crimea, Kyiv, Sevastopol) by Ukrainian name."""
    return [r for r in all_regions() if r.parent_id is None and r.id in _BUILT_IN]


def _candidates(query: str) -> tuple[str, ...]:
    """Ids the query names exactly; more than one means it is ambiguous."""
    stripped = query.strip()
    if stripped in _REGIONS:
        return (stripped,)
    loose = _loose_key(query)
    if not loose:
        return ()
    if loose in _LOOSE:
        return _LOOSE[loose]
    ids = _STRICT.get(_strict_key(query), ())
    if len(ids) > 1:
        hint = _level_hint(query)
        if hint:
            ids = tuple(i for i in ids if _REGIONS[i].level in hint) or ids
    if len(ids) > 1:
        # "Lviv obl" without its filler is "Lviv", which is itself an alias of Lviv oblast.
        bare = _LOOSE.get(_strict_key(query), ())
        ids = tuple(i for i in ids if i in bare) or ids
    return ids


def resolve(query: str) -> Region | None:
    """The region a query names: an id or any name/alias; None if unknown or ambiguous."""
    ids = _candidates(query)
    return _REGIONS[ids[0]] if len(ids) == 1 else None


def suggest(query: str, limit: int = 3) -> list[Region]:
    """Up to ``limit`` regions whose names or aliases are close to ``query``.

    Exact (possibly ambiguous) matches come first; then close matches, top-level regions
    before raions and hromadas, each group by similarity.
    """
    if limit <= 0:
        return []
    exact = [_REGIONS[i] for i in _candidates(query)]
    keys = {_loose_key(query), _strict_key(query)} - {""}
    if not keys:
        return exact[:limit]
    scores: dict[str, float] = {}
    for index in (_LOOSE, _STRICT):
        for key, ids in index.items():
            if len(key) < _FUZZY_MIN:
                continue
            best = 0.0
            for wanted in keys:
                matcher = difflib.SequenceMatcher(None, wanted, key)
                if matcher.real_quick_ratio() >= _CUTOFF and matcher.quick_ratio() >= _CUTOFF:
                    best = max(best, matcher.ratio())
            if best >= _CUTOFF:
                for i in ids:
                    scores[i] = max(scores.get(i, 0.0), best)
    close = sorted(
        (_REGIONS[i] for i in scores),
        key=lambda r: (r.parent_id is not None, -scores[r.id], _collation_key(r.name_uk)),
    )
    result = list(exact)
    result.extend(r for r in close if r not in exact)
    return result[:limit]


def title_for(region_id: str, lang: str) -> str:
    """The region's name in ``lang`` ("en", else Ukrainian); an unknown id as itself."""
    region = _REGIONS.get(region_id)
    if region is None:
        return region_id
    return region.name_en if lang.casefold().startswith("en") else region.name_uk


def lineage(region_id: str) -> list[str]:
    """The id and its ancestors, innermost first ("845" -> ["845", "90", "27"])."""
    chain = [region_id]
    region = _REGIONS.get(region_id)
    while region is not None and region.parent_id is not None:
        chain.append(region.parent_id)
        region = _REGIONS.get(region.parent_id)
    return chain


def with_descendants(region_id: str) -> list[str]:
    """The id and every region inside it ("90" -> ["90", "845"])."""
    result = [region_id]
    _collect_children(region_id, result)
    return result


def _collect_children(region_id: str, into: list[str]) -> None:
    for child in _children(region_id):
        into.append(child)
        _collect_children(child, into)


def _children(region_id: str) -> Iterable[str]:
    return _CHILDREN.get(region_id, ())


def _index_children() -> dict[str, tuple[str, ...]]:
    children: dict[str, list[str]] = {}
    for region in _REGIONS.values():
        if region.parent_id is not None:
            children.setdefault(region.parent_id, []).append(region.id)
    return {parent: tuple(ids) for parent, ids in children.items()}


_CHILDREN = _index_children()


def register(learned: Iterable[Region]) -> int:
    """Add places learned from a source (ukrainealarm's region list, alert records).

    Built-in regions win over learned ones with the same id; a learned place may be renamed by
    a later report. Returns how many regions were added or changed.
    """
    global _LOOSE, _STRICT, _CHILDREN
    changed = 0
    for region in learned:
        if region.id in _BUILT_IN or _REGIONS.get(region.id) == region:
            continue
        _REGIONS[region.id] = region
        changed += 1
    if changed:
        _LOOSE = _build(_loose_key)
        _STRICT = _build(_strict_key)
        _CHILDREN = _index_children()
    return changed


def forget_learned() -> None:
    """Back to the built-in registry (a bot loads the places its own database learned)."""
    global _LOOSE, _STRICT, _CHILDREN
    for region_id in [i for i in _REGIONS if i not in _BUILT_IN]:
        del _REGIONS[region_id]
    _LOOSE = _build(_loose_key)
    _STRICT = _build(_strict_key)
    _CHILDREN = _index_children()


def built_in_ids() -> frozenset[str]:
    return _BUILT_IN


def learned_from(region_id: str, title: str, level: str | None, parent_id: str | None) -> Region:
    """A registry entry for a place a source reported but the registry does not know."""
    kind: Level = level if level in ("oblast", "city", "raion", "hromada") else "hromada"  # type: ignore[assignment]
    return Region(
        id=region_id,
        name_uk=title,
        name_en=transliterate(title),
        level=kind,
        parent_id=parent_id if parent_id and parent_id != region_id else None,
        aliases=(),
    )


def raions_of(oblast_id: str) -> list[str]:
    """The raions the registry knows in an oblast (for "3 of 7 raions under alert")."""
    return [i for i in _children(oblast_id) if _REGIONS[i].level == "raion"]


@dataclass(frozen=True, slots=True)
class PartsUnderAlert:
    """Which parts of a place are under alert, for "під тривогою 3 з 7 районів: …".

    ``raions``: the place's known raions under alert, each with the places inside it that are
    (empty when the raion as a whole is); ``raions_total``: how many raions the registry knows
    there (0 for a raion or a hromada, or an oblast whose raions were never learned);
    ``others``: the outermost places under alert inside the place and outside those raions
    (a hromada learned with its oblast as parent, a raion's hromadas).
    """

    raions: list[tuple[str, list[str]]]
    raions_total: int
    others: list[str]

    def __bool__(self) -> bool:
        return bool(self.raions or self.others)


def parts_under_alert(place_id: str, active: Collection[str]) -> PartsUnderAlert:
    """The parts of ``place_id`` (not the place itself) that ``active`` ids put under alert."""
    raion_ids = raions_of(place_id)
    raions: list[tuple[str, list[str]]] = []
    for raion in raion_ids:
        if raion in active:
            raions.append((raion, []))
        else:
            inside = _outermost(raion, active)
            if inside:
                raions.append((raion, inside))
    counted = set(raion_ids)
    others = [r for r in _outermost(place_id, active) if not counted.intersection(lineage(r))]
    raions.sort(key=lambda item: _collation_key(_REGIONS[item[0]].name_uk))
    return PartsUnderAlert(raions, len(raion_ids), _by_name(others))


def _by_name(ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda i: (_collation_key(title_for(i, "uk")), i))


def _outermost(place_id: str, active: Collection[str]) -> list[str]:
    """Places strictly inside ``place_id`` in ``active`` whose parents inside it are not."""
    found: list[str] = []

    def walk(parent: str) -> None:
        for child in _children(parent):
            if child in active:
                found.append(child)
            else:
                walk(child)

    walk(place_id)
    return _by_name(found)


def short_name(region_id: str, lang: str) -> str:
    """A raion's name without the word "район"/"raion" ("Самбірський"), in a list of raions."""
    name = title_for(region_id, lang)
    region = _REGIONS.get(region_id)
    if region is None or region.level != "raion":
        return name
    for word in (" район", " raion"):
        if name.endswith(word) and len(name) > len(word):
            return name[: -len(word)]
    return name


def oblast_of(region_id: str) -> str | None:
    """The top-level region a place lies in (itself for an oblast); None if unknown."""
    chain = lineage(region_id)
    top = chain[-1]
    region = _REGIONS.get(top)
    if region is None or region.parent_id is not None or region.level not in ("oblast", "city"):
        return None
    return top


_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia", "'": "", "’": "", "ʼ": "",
}  # fmt: skip
_WORD_START = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_EN_WORDS = {
    "район": "raion",
    "область": "oblast",
    "територіальна": "",
    "громада": "hromada",
    "м.": "",
    "смт": "",
    "та": "and",
}


def transliterate(name_uk: str) -> str:
    """Latin name by Ukraine's official 2010 transliteration ("Стрийський район" ->
    "Stryiskyi raion"); used for places learned without an English name."""
    words = []
    for word in name_uk.split():
        lower = word.casefold()
        if lower in _EN_WORDS:
            if _EN_WORDS[lower]:
                words.append(_EN_WORDS[lower])
            continue
        out = []
        for index, ch in enumerate(lower):
            table = _WORD_START if index == 0 or not lower[index - 1].isalpha() else {}
            out.append(table.get(ch, _TRANSLIT.get(ch, ch)))
        latin = "".join(out)
        words.append(latin[:1].upper() + latin[1:] if word[:1].isupper() else latin)
    return " ".join(words)


_CITY_PREFIX = re.compile(r"^\s*(?:м\.|місто)\s*(?P<city>.+?)(?:\s+та\s+.*)?$", re.IGNORECASE)


def city_and_oblast(query: str) -> tuple[Region, Region] | None:
    """(city hromada, oblast) when a bare name means both ("Львів": the Lviv city hromada
    and, by its alias, Lviv oblast); None when the query names one place or says which
    ("м. Львів", "Львівська область")."""
    oblast = resolve(query)
    if oblast is None or oblast.level != "oblast" or _level_hint(query):
        return None
    wanted = _strict_key(query)
    for region in all_regions():
        if region.level not in ("hromada", "city") or region.parent_id is None:
            continue
        for spelling in _spellings(region):
            # Only a spelling that says "city" names one ("м. Львів", "Lviv city"): "Львівська
            # громада" is the oblast's adjective, not a city's name.
            if "city" not in _level_hint(spelling):
                continue
            # "м. Одеса та Одеська територіальна громада" names the city "Одеса".
            match = _CITY_PREFIX.match(spelling)
            city = match.group("city") if match else spelling
            if _strict_key(city) == wanted and oblast_of(region.id) == oblast.id:
                return region, oblast
    return None
