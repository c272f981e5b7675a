"""The message catalog: Ukrainian and English say the same things with the same blanks."""

from __future__ import annotations

import string

import pytest

from bot.i18n import CATALOG, DEFAULT_LANGUAGE, LANGUAGES, t


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
