"""The message catalog: Ukrainian and English say the same things with the same blanks."""

from __future__ import annotations

import string

import pytest

from bot.i18n import CATALOG, DEFAULT_LANGUAGE, LANGUAGES, plural_form, t, tn


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_the_languages() -> None:
    assert set(CATALOG) == set(LANGUAGES) == {"uk", "en"}
    assert DEFAULT_LANGUAGE == "uk"


def test_both_languages_have_the_same_keys() -> None:
    uk, en = set(CATALOG["uk"]), set(CATALOG["en"])
    assert uk - en == set(), "keys without English"
    assert en - uk == set(), "keys without Ukrainian"


@pytest.mark.parametrize("key", sorted(CATALOG["uk"]))
def test_both_languages_have_the_same_placeholders(key: str) -> None:
    uk = CATALOG["uk"][key]
    en = CATALOG["en"].get(key, "")
    assert placeholders(uk) == placeholders(en)
    assert uk.strip() and en.strip()
    # Every text formats with its own placeholders filled (no stray or unbalanced braces).
    values = {name: f"<{name}>" for name in placeholders(uk)}
    for lang in LANGUAGES:
        text = t(lang, key, **values)
        for value in values.values():
            assert value in text


def test_unset_or_unknown_language_is_ukrainian() -> None:
    ukrainian = "Мову змінено: українська."
    assert t("uk", "lang.done") == ukrainian
    assert t(None, "lang.done") == ukrainian
    assert t("ru", "lang.done") == ukrainian
    assert t("", "lang.done") == ukrainian
    assert t("EN", "lang.done") == ukrainian
    assert t("en", "lang.done") == "Language set: English."


def test_values_are_filled_in() -> None:
    assert t(None, "subscribe.done", region="Львівська область").startswith(
        "✅ Підписано: Львівська область."
    )
    assert t("en", "unsubscribe.all", count=3) == "All subscriptions removed (3)."


UK_FORMS = {
    "one": (1, 21, 101),
    "few": (2, 4, 22, 104),
    "many": (0, 5, 7, 11, 12, 14, 25, 111, 112),
}


@pytest.mark.parametrize(
    ("count", "form"), [(n, form) for form, counts in UK_FORMS.items() for n in counts]
)
def test_ukrainian_plural_forms(count: int, form: str) -> None:
    assert plural_form("uk", count) == form


def test_raions_after_a_count() -> None:
    def scope(active: int, total: int) -> str:
        raions = tn("uk", "raions_after_of", total)
        return t("uk", "scope.count", active=active, total=total, raions=raions)

    assert scope(3, 7) == "під тривогою 3 з 7 районів"
    assert scope(1, 1) == "під тривогою 1 з 1 району"
    assert scope(1, 21) == "під тривогою 1 з 21 району"
    assert scope(2, 2) == "під тривогою 2 з 2 районів"
    assert plural_form("en", 1) == "one" and plural_form("en", 2) == "other"
    assert tn("en", "raions_after_of", 2) == "raions"
