"""`/truce_set` arguments as an admin types them, and the error each mistake gets."""

from __future__ import annotations

import ast
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.commands import truce_args
from bot.commands.truce_args import ArgumentError, TruceArgs, parse_truce_set, split_arguments
from bot.i18n import CATALOG, t
from storage.truces import UNSPECIFIED_PARTY

NOW = datetime(2025, 3, 18, 10, 0, tzinfo=UTC)


def parse(text: str) -> TruceArgs:
    return parse_truce_set(text, NOW)


def error(text: str) -> ArgumentError:
    with pytest.raises(ArgumentError) as caught:
        parse(text)
    return caught.value


# --- times -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # No offset: Kyiv time, UTC+2 in winter and early spring ...
        ("2025-03-18T00:00", datetime(2025, 3, 17, 22, 0, tzinfo=UTC)),
        ("2025-03-18", datetime(2025, 3, 17, 22, 0, tzinfo=UTC)),
        # ... and UTC+3 in summer.
        ("2025-07-01T12:00", datetime(2025, 7, 1, 9, 0, tzinfo=UTC)),
        ("2025-03-30T12:00", datetime(2025, 3, 30, 9, 0, tzinfo=UTC)),  # the day DST begins
        # An explicit offset is taken as given.
        ("2025-03-18T00:00+00:00", datetime(2025, 3, 18, 0, 0, tzinfo=UTC)),
        ("2025-03-18T00:00Z", datetime(2025, 3, 18, 0, 0, tzinfo=UTC)),
        ("2025-03-18T03:00+03:00", datetime(2025, 3, 18, 0, 0, tzinfo=UTC)),
        ("now", NOW),
        ("NOW", NOW),
    ],
)
def test_start_times(value: str, expected: datetime) -> None:
    args = parse(f"/truce_set energy start={value}")
    assert args.starts_at.astimezone(UTC) == expected
    assert args.starts_at.utcoffset() is not None


def test_end_in_summer_and_start_in_winter() -> None:
    args = parse("/truce_set energy start=2025-03-18T00:00 end=2025-04-17T00:00")
    assert args.starts_at.astimezone(UTC) == datetime(2025, 3, 17, 22, 0, tzinfo=UTC)
    assert args.ends_at is not None
    assert args.ends_at.astimezone(UTC) == datetime(2025, 4, 16, 21, 0, tzinfo=UTC)


def test_a_minimal_truce_gets_the_defaults() -> None:
    args = parse("/truce_set energy start=now")
    assert args == TruceArgs(
        name="energy",
        starts_at=NOW,
        ends_at=None,
        region_ids="keep",
        scope=None,
        party=UNSPECIFIED_PARTY,
        source=None,
    )


def test_a_full_truce() -> None:
    args = parse(
        "/truce_set@alert_test_bot energy-march start=2025-03-18T00:00 end=2025-04-17T00:00 "
        "regions=Lviv,14 scope=ENERGY party=Ukraine source=https://example.org/statement"
    )
    assert args.name == "energy-march"
    assert args.region_ids == ("27", "14")
    assert args.scope == "energy"
    assert args.party == "Ukraine"
    assert args.source == "https://example.org/statement"


# --- quotes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '/truce_set energy start=now party="Office of the President"',
        "/truce_set energy start=now party='Office of the President'",
        "/truce_set energy start=now party=“Office of the President”",
        "/truce_set energy start=now party=«Office of the President»",
        "/truce_set energy start=now party=„Office of the President“",
        '/truce_set energy start=now "party=Office of the President"',
    ],
)
def test_quoted_values_keep_their_spaces(text: str) -> None:
    assert parse(text).party == "Office of the President"


def test_typographic_quotes_around_a_ukrainian_value() -> None:
    args = parse("/truce_set енергетика start=now party=«Офіс Президента України»")
    assert (args.name, args.party) == ("енергетика", "Офіс Президента України")


@pytest.mark.parametrize(
    ("text", "name", "party"),
    [
        ("/truce_set energy start=now party=Прем'єр-міністр", "energy", "Прем'єр-міністр"),
        ("/truce_set п'ятниця start=now", "п'ятниця", UNSPECIFIED_PARTY),
        ('/truce_set energy start=now party="President\'s Office"', "energy", "President's Office"),
        ("/truce_set energy start=now party=President's", "energy", "President's"),
    ],
)
def test_an_apostrophe_in_a_word_is_not_a_quote(text: str, name: str, party: str) -> None:
    args = parse(text)
    assert (args.name, args.party) == (name, party)


def test_split_arguments_drops_the_command() -> None:
    assert split_arguments("/truce_end «energy march»") == ["energy march"]
    assert split_arguments("energy  start=now") == ["energy", "start=now"]
    assert split_arguments("") == []


# --- regions and scope -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("27", ("27",)),
        ("Lviv", ("27",)),
        ("Львів,Kyiv,14", ("27", "31", "14")),
        ('"Київська область, Львівська область"', ("14", "27")),
        ("Lviv,27,lvivska", ("27",)),  # one region named three ways is one region
        ("Lviv,", ("27",)),
        ("all", None),
        ("ALL", None),
        ("усі", None),
    ],
)
def test_regions(value: str, expected: tuple[str, ...] | None) -> None:
    assert parse(f"/truce_set energy start=now regions={value}").region_ids == expected


@pytest.mark.parametrize("scope", ["energy", "long-range", "all", "Long-Range"])
def test_scopes(scope: str) -> None:
    assert parse(f"/truce_set energy start=now scope={scope}").scope == scope.lower()


# --- mistakes --------------------------------------------------------------------------------

MISTAKES: list[tuple[str, str, dict[str, str]]] = [
    ("", "err.missing_name", {}),
    ("/truce_set", "err.missing_name", {}),
    ("/truce_set start=now", "err.missing_name", {}),
    ("/truce_set energy", "err.missing_start", {}),
    ("/truce_set energy start=", "err.missing_start", {}),
    ("/truce_set energy end=2025-04-17", "err.missing_start", {}),
    (
        "/truce_set energy start=tomorrow",
        "err.bad_time",
        {"key": "start", "value": "tomorrow"},
    ),
    (
        "/truce_set energy start=now end=18.03.2025",
        "err.bad_time",
        {"key": "end", "value": "18.03.2025"},
    ),
    ("/truce_set energy start=2025-03-18 end=2025-03-01", "err.end_before_start", {}),
    ("/truce_set energy start=2025-03-18T10:00 end=2025-03-18T10:00", "err.end_before_start", {}),
    # 08:00Z is 10:00 in Kyiv: the same moment, so not later.
    ("/truce_set energy start=2025-03-18T10:00 end=2025-03-18T08:00Z", "err.end_before_start", {}),
    ("/truce_set energy start=now scope=water", "err.bad_scope", {}),
    ("/truce_set energy start=now regions=Atlantis", "err.bad_region", {"value": "Atlantis"}),
    ("/truce_set energy start=now regions=Lviv,Atlantis", "err.bad_region", {"value": "Atlantis"}),
    ("/truce_set energy start=now regions=,", "err.bad_region", {"value": ","}),
    ("/truce_set energy start=now start=2025-03-18", "err.duplicate_key", {"key": "start"}),
    ("/truce_set energy party=a start=now PARTY=b", "err.duplicate_key", {"key": "party"}),
    ("/truce_set energy start=now colour=red", "err.unknown_key", {"key": "colour"}),
    ("/truce_set energy start=now tomorrow", "err.not_key_value", {"token": "tomorrow"}),
    ('/truce_set energy start=now party="open', "err.quotes", {}),
    ("/truce_set energy start=now party=«open", "err.quotes", {}),
    ("/truce_set " + "x" * 129 + " start=now", "err.too_long", {"key": "name", "limit": "128"}),
    (
        "/truce_set energy start=now source=" + "x" * 301,
        "err.too_long",
        {"key": "source", "limit": "300"},
    ),
    (
        "/truce_set energy start=0001-01-01T00:00",
        "err.time_range",
        {"key": "start", "value": "0001-01-01T00:00"},
    ),
    (
        "/truce_set energy start=now end=9999-12-31T23:00Z",
        "err.time_range",
        {"key": "end", "value": "9999-12-31T23:00Z"},
    ),
    (
        "/truce_set energy start=2100-01-01T02:00",
        "err.time_range",
        {"key": "start", "value": "2100-01-01T02:00"},
    ),
]


@pytest.mark.parametrize(("text", "key", "values"), MISTAKES, ids=[m[0][:60] for m in MISTAKES])
def test_mistakes_get_the_right_message(text: str, key: str, values: dict[str, str]) -> None:
    caught = error(text)
    assert caught.key == key
    assert caught.values == values
    for lang in ("uk", "en"):
        message = t(lang, caught.key, **caught.values)  # every placeholder is filled
        for value in values.values():
            assert value in message


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_every_argument_error_has_a_message_in_both_languages() -> None:
    """Every key the parser can raise, found in its source, is in the catalog."""
    tree = ast.parse(Path(truce_args.__file__).read_text(encoding="utf-8"))
    raised: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "ArgumentError"
        ):
            first = node.args[0]
            assert isinstance(first, ast.Constant) and isinstance(first.value, str)
            raised[first.value] = {k.arg for k in node.keywords if k.arg}
    assert {key for _, key, _ in MISTAKES} == set(raised), "every error is exercised above"
    for key, names in raised.items():
        for lang in ("uk", "en"):
            assert key in CATALOG[lang], (lang, key)
            assert _placeholders(CATALOG[lang][key]) == names, (lang, key)
