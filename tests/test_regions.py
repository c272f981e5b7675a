from __future__ import annotations

import pytest

from feeds import regions

# The 27 top-level locations as alerts.in.ua titles them (location_title), copied from
# samples/alerts_in_ua_oblast_uids.json, in the order of the docs' UID table.
OFFICIAL_TITLES: tuple[tuple[str, str], ...] = (
    ("29", "Автономна Республіка Крим"),
    ("4", "Вінницька область"),
    ("8", "Волинська область"),
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

LVIV_RAIONS = {
    "90": "Львівський район",
    "91": "Дрогобицький район",
    "88": "Самбірський район",
    "89": "Стрийський район",
    "94": "Золочівський район",
    "92": "Шептицький район",
    "93": "Яворівський район",
}


def _resolved_id(query: str) -> str | None:
    region = regions.resolve(query)
    return None if region is None else region.id


@pytest.mark.parametrize(
    "query",
    ["Lviv", "Львів", "Львівська область", "lvivska", "LVIV OBLAST", "Lvivs'ka", "27"],
)
def test_lviv_spellings_resolve_to_the_oblast(query: str) -> None:
    assert _resolved_id(query) == "27"


@pytest.mark.parametrize(
    "query",
    [
        "Lvivs’ka",
        "Lvivsʼka",
        "Lvivs`ka",
        "Lvivs‘ka",
        "  lviv   oblast ",
        "Lviv obl.",
        "Lvov",
        "Львівщина",
    ],
)
def test_more_lviv_oblast_spellings(query: str) -> None:
    assert _resolved_id(query) == "27"


@pytest.mark.parametrize("query", ["Kyiv", "Київ", "Kiev", "м. Київ", "Kyiv city", "місто Київ"])
def test_kyiv_means_the_city(query: str) -> None:
    assert _resolved_id(query) == "31"


@pytest.mark.parametrize(
    "query", ["Київська", "Київська область", "Kyiv oblast", "kyivska", "Kyiv obl", "Kyiv region"]
)
def test_kyiv_oblast_spellings(query: str) -> None:
    assert _resolved_id(query) == "14"


@pytest.mark.parametrize(
    "query",
    [
        "м. Львів та Львівська територіальна громада",
        "м. Львів",
        "м.Львів",
        "місто Львів",
        "Lviv city",
        "Lviv hromada",
        "845",
    ],
)
def test_lviv_city_hromada(query: str) -> None:
    assert _resolved_id(query) == "845"


@pytest.mark.parametrize(("uid", "title"), OFFICIAL_TITLES)
def test_every_official_title_resolves_to_its_uid(uid: str, title: str) -> None:
    assert _resolved_id(title) == uid
    assert _resolved_id(uid) == uid
    region = regions.get(uid)
    assert region is not None
    assert region.name_uk == title


def test_top_level_is_the_27_sorted_by_ukrainian_name() -> None:
    top = regions.top_level()
    assert len(top) == 27
    # The docs' table is in Ukrainian alphabetical order, with "м. Київ" filed under К.
    assert [(r.id, r.name_uk) for r in top] == list(OFFICIAL_TITLES)
    assert all(r.parent_id is None for r in top)


def test_levels_of_special_locations() -> None:
    levels = {r.id: r.level for r in regions.top_level()}
    assert levels.pop("31") == "city"
    assert levels.pop("30") == "city"
    assert set(levels.values()) == {"oblast"}  # Crimea included
    assert regions.title_for("29", "en") == "Crimea"
    assert regions.title_for("30", "en") == "Sevastopol"


def test_lviv_raions_and_hromada_hierarchy() -> None:
    for rid, name in LVIV_RAIONS.items():
        region = regions.get(rid)
        assert region is not None
        assert region.name_uk == name
        assert region.level == "raion"
        assert region.parent_id == "27"
        assert _resolved_id(name) == rid
    hromada = regions.get("845")
    assert hromada is not None
    assert hromada.level == "hromada"
    assert hromada.parent_id == "90"
    assert {r.id for r in regions.all_regions() if r.level == "raion"} == set(LVIV_RAIONS)


def test_sheptytskyi_raion_old_name() -> None:
    assert _resolved_id("Червоноградський район") == "92"
    assert _resolved_id("Sheptytskyi raion") == "92"


def test_raion_words_pick_the_raion() -> None:
    assert _resolved_id("Lviv raion") == "90"
    assert _resolved_id("Lviv district") == "90"
    assert _resolved_id("Львівський р-н") == "90"


def test_every_spelling_resolves_to_exactly_its_own_region() -> None:
    owners: dict[str, str] = {}
    for region in regions.all_regions():
        for spelling in (region.name_uk, region.name_en, *region.aliases):
            assert _resolved_id(spelling) == region.id, spelling
            assert [r.id for r in regions.suggest(spelling, limit=1)] == [region.id], spelling
            # Without their filler words spellings may coincide ("Lviv city" and "Lviv" are
            # both "lviv"), but no two regions may share a spelling as written.
            as_written = "".join(ch for ch in spelling.casefold() if ch.isalnum())
            assert owners.setdefault(as_written, region.id) == region.id, spelling


def test_ids_are_unique_and_parents_exist() -> None:
    all_ = regions.all_regions()
    assert len({r.id for r in all_}) == len(all_) == 35
    for region in all_:
        assert regions.get(region.id) is region
        if region.parent_id is not None:
            assert regions.get(region.parent_id) is not None


@pytest.mark.parametrize(
    "query",
    [
        "Ivano-Frankivsk",
        "Ivano Frankivsk",
        "ivano-frankivs'ka",
        "Ivano-Frankivs’ka oblast",
        "IVANO - FRANKIVSK",
        "Івано-Франківськ",
        "Івано Франківська обл.",
        "Iвано-Франківська",  # Latin I
        "Франківськ",
    ],
)
def test_ivano_frankivsk_variants(query: str) -> None:
    assert _resolved_id(query) == "13"


@pytest.mark.parametrize(
    ("query", "uid"),
    [
        ("Odessa", "18"),
        ("Kharkov", "22"),
        ("Dnipro", "9"),
        ("Дніпро", "9"),
        ("Dnipropetrovsk", "9"),
        ("Zaporozhye", "12"),
        ("Zaporizhia", "12"),
        ("Запоріжжя", "12"),
        ("Nikolaev", "17"),
        ("Chernigov", "25"),
        ("Vinnitsa", "4"),
        ("Uzhhorod", "11"),
        ("Transcarpathia", "11"),
        ("Lutsk", "8"),
        ("Rovno", "5"),
        ("Chernivtsi", "26"),
        ("Cherkasy", "24"),
        ("Kropyvnytskyi", "15"),
        ("Кропивницький", "15"),
        ("Kirovohrad", "15"),
        ("Lugansk", "16"),
        ("Луганська", "16"),
        ("Донецька", "28"),
        ("Crimea", "29"),
        ("Krym", "29"),
        ("Sevastopol", "30"),
        ("Khmelnytskyi", "3"),
    ],
)
def test_common_spellings(query: str, uid: str) -> None:
    assert _resolved_id(query) == uid


@pytest.mark.parametrize("query", ["", "   ", "???", "-", "'", "обл", "м.", "Lviv2x", "Атлантида"])
def test_garbage_and_unknown_resolve_to_none(query: str) -> None:
    assert regions.resolve(query) is None


@pytest.mark.parametrize("query", ["Lvov2x", "Lviw", "Lwiw", "Львв", "Lvivska oblas"])
def test_suggest_for_misspelt_lviv(query: str) -> None:
    assert regions.resolve(query) is None
    suggestions = regions.suggest(query)
    assert "27" in [r.id for r in suggestions]
    assert len(suggestions) <= 3


def test_suggest_puts_top_level_first_and_respects_limit() -> None:
    suggestions = regions.suggest("Lviw", limit=5)
    assert suggestions[0].id == "27"
    levels = [r.parent_id is None for r in suggestions]
    assert levels == sorted(levels, reverse=True)
    assert regions.suggest("Lviw", limit=1) == [regions.get("27")]
    assert regions.suggest("Lviw", limit=0) == []


@pytest.mark.parametrize("query", ["", "???", "zzzzzzzz"])
def test_suggest_garbage_is_empty(query: str) -> None:
    assert regions.suggest(query) == []


def test_normalise() -> None:
    assert regions.normalise("  Львівська   область ") == "львівська"
    assert regions.normalise("Lvivs'ka obl.") == "lvivska"
    assert regions.normalise("Ivano-Frankivs’ka") == "ivano frankivska"
    assert regions.normalise("м. Київ") == "київ"
    assert regions.normalise("Lviv raion") == "lviv"
    assert regions.normalise("область") == "область"  # the only word is kept
    assert regions.normalise("") == ""


def test_title_for() -> None:
    assert regions.title_for("27", "uk") == "Львівська область"
    assert regions.title_for("27", "en") == "Lviv oblast"
    assert regions.title_for("31", "en") == "Kyiv city"
    assert regions.title_for("31", "uk") == "м. Київ"
    assert regions.title_for("12345", "en") == "12345"


def test_lineage_and_descendants() -> None:
    assert regions.lineage("845") == ["845", "90", "27"]
    assert regions.lineage("27") == ["27"]
    assert regions.lineage("unknown") == ["unknown"]
    assert set(regions.with_descendants("27")) == {"27", "845", *LVIV_RAIONS}
    assert regions.with_descendants("27")[0] == "27"
    assert regions.with_descendants("90") == ["90", "845"]
    assert regions.with_descendants("14") == ["14"]
