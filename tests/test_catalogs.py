"""The gettext catalogs: complete in every language, and the check that says when they are not.

Each broken catalog is a copy of the real one in tmp_path with one thing done to it, the way a
translator's tool or a hurried edit would leave it; the check must name the key and the file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import LOCALES, catalog_path, load, read_catalog, texts, tn
from bot.i18n_check import check_catalogs, check_code, sync

ROOT = Path(__file__).resolve().parent.parent


def test_the_real_catalogs_are_complete() -> None:
    assert check_catalogs() == []
    assert check_code() == []


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES, copy, ignore=shutil.ignore_patterns("*.mo"))
    return copy


def edit(locales: Path, lang: str, change: Callable[[Catalog], object]) -> None:
    path = catalog_path(lang, locales)
    with path.open("rb") as file:
        catalog = read_po(file, locale=lang)
    change(catalog)
    with path.open("wb") as file:
        write_po(file, catalog)


def entry(catalog: Catalog, key: str) -> Message:
    for message in catalog:
        if message.context == key:
            return message
    raise AssertionError(key)


def remove(catalog: Catalog, *keys: str) -> None:
    for key in keys:
        catalog.delete(entry(catalog, key).id, key)


def test_a_message_missing_in_english_is_reported(locales: Path) -> None:
    edit(locales, "en", lambda c: remove(c, "subscribe.done"))
    assert check_catalogs(locales) == [
        f"{catalog_path('en', locales)}: subscribe.done: missing",
    ]


def test_an_untranslated_or_fuzzy_message_is_reported(locales: Path) -> None:
    def change(catalog: Catalog) -> None:
        entry(catalog, "lang.done").string = ""
        entry(catalog, "ui.saved").flags.add("fuzzy")

    edit(locales, "en", change)
    problems = check_catalogs(locales)
    assert len(problems) == 2
    assert "lang.done: untranslated" in problems[0]
    assert "ui.saved: fuzzy" in problems[1]


def test_a_missing_plural_form_is_reported(locales: Path) -> None:
    def change(catalog: Catalog) -> None:
        message = entry(catalog, "stats.chats")
        message.string = ("{count} чат", "{count} чати", "", "{count} чату")

    edit(locales, "uk", change)
    assert check_catalogs(locales) == [
        f"{catalog_path('uk', locales)}: stats.chats: plural form 2 (many) is empty"
    ]


def test_different_placeholders_are_reported(locales: Path) -> None:
    def change(catalog: Catalog) -> None:
        message = entry(catalog, "subscribe.done")
        message.string = str(message.string).replace("{region}", "{regoin}")

    edit(locales, "en", change)
    [problem] = check_catalogs(locales)
    assert "subscribe.done: placeholders ['regoin']" in problem
    assert "['region']" in problem


def test_a_changed_ukrainian_text_asks_for_a_review(locales: Path) -> None:
    def change(catalog: Catalog) -> None:
        message = entry(catalog, "ui.saved")
        message.string = "Збережено!"

    edit(locales, "uk", change)
    [problem] = check_catalogs(locales)
    assert problem.startswith(f"{catalog_path('uk', locales)}: ui.saved: the msgid")


def set_plural_forms(path: Path, header: str) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index('"Plural-Forms:')
    end = text.index('"MIME-Version')
    path.write_text(text[:start] + f'"Plural-Forms: {header}\\n"\n' + text[end:], "utf-8")


def test_a_plural_forms_header_that_disagrees_with_cldr_is_reported(locales: Path) -> None:
    path = catalog_path("uk", locales)
    # The common three-form formula: the catalog's four forms no longer fit.
    set_plural_forms(
        path,
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);",
    )
    [problem] = check_catalogs(locales)
    assert problem.startswith(f"{path}: cannot be read: msg has more translations")

    # Four forms, but "few" and "many" swapped: 2 would read "2 чатів".
    set_plural_forms(
        path,
        "nplurals=4; plural=(n % 1 == 0 && n % 10 == 1 && n % 100 != 11 ? 0 : "
        "n % 1 == 0 && n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 2 : "
        "n % 1 == 0 ? 1 : 3);",
    )
    assert check_catalogs(locales) == [
        f"{path}: Plural-Forms: gives form 1 for 0, CLDR says many (form 2)"
    ]


def test_code_using_a_key_the_catalog_has_not_is_reported(tmp_path: Path) -> None:
    code = tmp_path / "handler.py"
    code.write_text(
        "from bot.i18n import t, tn\n"
        "def reply(lang: str) -> str:\n"
        '    return t(lang, "subscribe.done", region="x") + t(lang, "subscribe.dnoe")\n'
        "def count(lang: str) -> str:\n"
        '    return tn(lang, "stats.chats", 2) + tn(lang, "ui.saved", 2)\n',
        encoding="utf-8",
    )
    assert check_code([code]) == [
        f'{code}:3: t(…, "subscribe.dnoe"): no such key in the catalog',
        f'{code}:5: tn(…, "ui.saved", …): not a plural message in the catalog',
    ]


def test_the_command_prints_one_line_per_problem(locales: Path) -> None:
    edit(locales, "en", lambda c: remove(c, "ui.saved", "ui.gone"))
    result = subprocess.run(
        [sys.executable, "-m", "bot.i18n_check", "--locales", str(locales)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{catalog_path('en', locales)}: ui.gone: missing",
        f"{catalog_path('en', locales)}: ui.saved: missing",
    ]


def test_fractions_take_the_other_form() -> None:
    assert tn("uk", "stats.chats", 1) == "1 чат"
    assert tn("uk", "stats.chats", 3) == "3 чати"
    assert tn("uk", "stats.chats", 11) == "11 чатів"
    assert tn("uk", "stats.chats", 1.5) == "1.5 чату"
    assert tn("en", "stats.chats", 1.5) == "1.5 chats"


def test_the_mo_is_read_unless_the_po_is_newer(locales: Path) -> None:
    po = catalog_path("en", locales)
    mo = catalog_path("en", locales, ".mo")
    catalog = read_catalog("en", locales)  # the .po: nothing is compiled yet
    plain, _ = texts(catalog, "en")
    assert plain["ui.saved"] == "Saved ✓"

    message = entry(catalog, "ui.saved")
    message.string = "Saved (compiled)"
    with mo.open("wb") as file:
        write_mo(file, catalog)
    now = po.stat().st_mtime_ns
    os.utime(mo, ns=(now, now))
    assert load(locales=locales)["en"]["ui.saved"] == "Saved (compiled)"
    assert load(locales=locales)["en"]["stats.chats.few"] == "{count} chats"

    # A .po edited after the compile wins over the old .mo.
    os.utime(po, ns=(now + 10**9, now + 10**9))
    assert load(locales=locales)["en"]["ui.saved"] == "Saved ✓"


def test_a_text_missing_in_english_is_the_ukrainian_one(locales: Path) -> None:
    edit(locales, "en", lambda c: remove(c, "ui.saved"))
    assert load(locales=locales)["en"]["ui.saved"] == "Збережено ✓"


def test_sync_carries_a_ukrainian_edit_to_english_for_review(locales: Path) -> None:
    def change(catalog: Catalog) -> None:
        entry(catalog, "ui.saved").string = "Збережено!"
        catalog.add("Нове {x}", "Нове {x}", context="zz.new", auto_comments=["a new text"])

    edit(locales, "uk", change)
    en = catalog_path("en", locales)
    assert sync(locales) == [
        f"{catalog_path('uk', locales)}: ui.saved: msgid set to the Ukrainian text",
        f"{en}: ui.saved: the Ukrainian text changed, marked fuzzy for review",
        f"{en}: zz.new: added, untranslated",
    ]
    assert check_catalogs(locales) == [
        f"{en}: ui.saved: fuzzy (marked for review), so not used",
        f"{en}: zz.new: untranslated (empty msgstr)",
    ]
    # The translator's tool shows the entry as fuzzy, with the new source and the old text.
    text = en.read_text(encoding="utf-8")
    assert '#, fuzzy\nmsgctxt "ui.saved"\nmsgid "Збережено!"\nmsgstr "Saved ✓"\n' in text
    assert '#. a new text\n#, python-brace-format\nmsgctxt "zz.new"\nmsgid "Нове {x}"' in text

    before = {lang: catalog_path(lang, locales).read_bytes() for lang in ("uk", "en")}
    assert sync(locales) == []
    assert {lang: catalog_path(lang, locales).read_bytes() for lang in ("uk", "en")} == before

    # The translator reviews both; the catalogs are complete again.
    def translate(catalog: Catalog) -> None:
        entry(catalog, "ui.saved").flags.discard("fuzzy")
        entry(catalog, "ui.saved").string = "Saved!"
        entry(catalog, "zz.new").string = "New {x}"

    edit(locales, "en", translate)
    assert check_catalogs(locales) == []
    assert load(locales=locales)["en"]["ui.saved"] == "Saved!"


def test_sync_leaves_the_real_catalogs_as_they_are(locales: Path) -> None:
    assert sync(locales) == []
    for lang in ("uk", "en"):
        assert catalog_path(lang, locales).read_bytes() == catalog_path(lang).read_bytes()
