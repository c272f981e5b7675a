r"""Every user-facing text, Ukrainian first and English second. Handlers only pick keys.

The texts live in gettext catalogs, ``bot/locales/<lang>/LC_MESSAGES/messages.po``, so that
translators work in their usual tools (Poedit, Weblate, a text editor). An entry::

    #. a note for translators
    msgctxt "alert.start"                  the key the code passes to t() and tn()
    msgid "🔴 {kind}: {region}\n..."       the Ukrainian text, in every catalog
    msgstr "🔴 {kind}: {region}\n..."      the text in this catalog's language

Why the key is the msgctxt and not the msgid: Poedit is a bilingual editor, it shows the msgid
as the text to translate, so with the key as msgid a translator would read "alert.start"
instead of Ukrainian (Weblate would need its "monolingual gettext" mode and a base file to
do better). With msgid = the Ukrainian text both tools show the source as it is and the key
as the context, two messages with the same Ukrainian wording stay apart, and when the
Ukrainian changes its msgid changes, which is how gettext tools (``msgmerge``, ``pybabel
update``, Weblate) mark the translation for review. ``python -m bot.i18n_check`` reports a
translation whose msgid is not the current Ukrainian text. ``uk`` is the source language:
its msgstr repeats the msgid (its plural entries need four forms, the msgid has room for two).

Plurals are gettext plural entries, one msgstr per CLDR plural category of the language, in
CLDR order: uk one (1, 21), few (2-4, 22), many (0, 5-20, 25) and other (fractions: "1,5
чату"); en one and other. Ukrainian's Plural-Forms header is the four-form formula of
Transifex and Django that Weblate knows; index 3 comes out only for a fraction, which C
gettext cannot pass, so this module does not evaluate the header: it takes Babel's CLDR
category of the count (``plural_form``) and uses that category's place in the list as the
index. ``i18n_check`` proves the header picks the same index for whole numbers.

Loading: the build compiles ``messages.mo`` next to each ``.po`` (``pybabel compile -d
bot/locales -D messages`` in scripts/setup.sh and the Dockerfile; .mo files are not
committed). The .mo is read when it is at least as new as the .po; otherwise (a fresh clone
never compiled, or a .po edited since) the .po itself, so ``python -m bot`` runs from a plain
clone and an edit is never hidden by an old .mo. Fuzzy and empty entries count as missing,
as gettext has them, and a text missing in a language falls back to Ukrainian (the check
keeps that from reaching a release).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

LANGUAGES = ("uk", "en")
DEFAULT_LANGUAGE = "uk"
LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
_CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


def categories(lang: str) -> tuple[str, ...]:
    """The CLDR plural categories of ``lang``, in the order of its msgstr[] forms."""
    tags = set(Locale.parse(lang).plural_form.tags) | {"other"}
    return tuple(tag for tag in _CLDR_ORDER if tag in tags)


def catalog_path(lang: str, locales: Path = LOCALES, suffix: str = ".po") -> Path:
    return locales / lang / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def read_catalog(lang: str, locales: Path = LOCALES) -> Catalog:
    """The compiled .mo of ``lang`` when it is not older than the .po, else the .po."""
    po = catalog_path(lang, locales)
    mo = catalog_path(lang, locales, ".mo")
    try:
        fresh = mo.stat().st_mtime_ns >= po.stat().st_mtime_ns
    except FileNotFoundError:
        fresh = mo.exists()
    if fresh:
        with mo.open("rb") as file:
            return read_mo(file)
    with po.open("rb") as file:
        return read_po(file, locale=lang)


def texts(catalog: Catalog, lang: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The translated entries: key -> text, and plural key -> category -> text."""
    plain: dict[str, str] = {}
    plural: dict[str, dict[str, str]] = {}
    for message in catalog:
        key: str | bytes | None = message.context
        if isinstance(key, bytes):  # Babel's read_mo leaves the msgctxt undecoded
            key = key.decode(catalog.charset)
        if not message.id or not key or message.fuzzy:
            continue
        if isinstance(message.string, str):
            if message.string:
                plain[key] = message.string
        else:
            forms = zip(categories(lang), message.string or (), strict=False)
            plural[key] = {category: form for category, form in forms if form}
    return plain, plural


def load(
    languages: Iterable[str] = LANGUAGES, locales: Path = LOCALES
) -> dict[str, dict[str, str]]:
    """Every language's key -> text, with the plural forms flattened for lookups by key.

    A plural message appears as ``key.one``, ``.few``, ``.many`` and ``.other`` in every
    language: a category the language has not (English "few") repeats its "other" form. A
    text missing in a language is the Ukrainian one."""
    languages = tuple(languages)
    everywhere = [c for c in _CLDR_ORDER if any(c in categories(lang) for lang in languages)]
    result: dict[str, dict[str, str]] = {}
    for lang in (DEFAULT_LANGUAGE, *(lang for lang in languages if lang != DEFAULT_LANGUAGE)):
        plain, plural = texts(read_catalog(lang, locales), lang)
        flat = dict(result.get(DEFAULT_LANGUAGE, {})) | plain
        for key, forms in plural.items():
            for category in everywhere:
                form = forms.get(category) or forms.get("other")
                if form:
                    flat[f"{key}.{category}"] = form
        result[lang] = flat
    return {lang: result[lang] for lang in languages}


CATALOG: dict[str, dict[str, str]] = load()


def language(lang: str | None) -> str:
    return lang if lang in CATALOG else DEFAULT_LANGUAGE


def t(lang: str | None, key: str, /, **values: Any) -> str:
    """The text for ``key`` in ``lang`` (Ukrainian when unset), with ``values`` filled in."""
    return CATALOG[language(lang)][key].format(**values)


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def plural_form(lang: str | None, count: float) -> str:
    """CLDR's plural category of ``count`` in ``lang``: Ukrainian has one (1, 21), few (2-4,
    22-24), many (5-20, 25) and other (fractions); English one and other."""
    return str(_locale(language(lang)).plural_form(count))


def tn(lang: str | None, key: str, count: float, /, **values: Any) -> str:
    """The plural text of ``key`` for ``count`` (its CLDR category's form, see above), with
    ``{count}`` filled in along with the ``values``."""
    text = CATALOG[language(lang)][f"{key}.{plural_form(lang, count)}"]
    return text.format(count=_number(count), **values)


def _number(count: float) -> str:
    if isinstance(count, int) or float(count).is_integer():
        return str(int(count))
    return f"{count:.1f}"
