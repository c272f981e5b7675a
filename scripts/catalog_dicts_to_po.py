"""Write the UK and EN message dicts of a Python file into the gettext catalogs.

    .venv/bin/python scripts/catalog_dicts_to_po.py SOURCE.py [--base BASE.py]

SOURCE.py is a version of ``bot/i18n.py`` that still defines the dicts ``UK`` and ``EN``
(key -> text, plural keys ending in .one/.few/.many/.other). Every message of SOURCE.py is
written into ``bot/locales/{uk,en}/LC_MESSAGES/messages.po``: an entry with the same key is
replaced where it stands, a new key is appended, entries of other keys are kept as they are.
With ``--base BASE.py`` (the version SOURCE.py started from, e.g. the merge base) only the
messages SOURCE.py added or changed are written, and those it deleted are removed, so a branch
made before the catalogs existed can be merged without undoing later edits of the .po files.
The output depends only on the inputs: running it twice changes nothing the second time.

Merging a branch that still adds texts to the dicts (bot/i18n.py has none since the catalogs)::

    git merge BRANCH                                   # bot/i18n.py conflicts
    git show BRANCH:bot/i18n.py > /tmp/theirs.py
    git show "$(git merge-base HEAD BRANCH)":bot/i18n.py > /tmp/base.py
    .venv/bin/python scripts/catalog_dicts_to_po.py /tmp/theirs.py --base /tmp/base.py
    git checkout --ours bot/i18n.py                    # keep the version without dicts
    .venv/bin/python -m bot.i18n_check                 # then commit the .po files

The layout of an entry: the key is the msgctxt, so it never changes when the wording does,
and Poedit and Weblate show it as the context; the msgid is the Ukrainian text in every
catalog, so a translator's tool shows Ukrainian as the source (a Ukrainian edit changes the
msgid, which is how gettext tools flag a translation for review); msgstr is the text::

    #. comment from the dicts, for translators
    msgctxt "stats.chats"            <- the key the code uses
    msgid "{count} чат"              <- the Ukrainian text: the source translators see
    msgid_plural "{count} чатів"
    msgstr[0] "{count} chat"         <- this language's text, one per CLDR plural category
    msgstr[1] "{count} chats"
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import runpy
import sys
import tokenize
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "bot" / "locales"
DOMAIN = "messages"
SOURCE_LANGUAGE = "uk"
DICTS = {"uk": "UK", "en": "EN"}
CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
# The Plural-Forms of each catalog. Ukrainian has four CLDR categories: one, few, many and
# other (fractions: "1,5 чату"). This is the four-form formula Transifex, Django and Weblate
# use for uk: index 3 is chosen only for a fraction, which a C gettext never passes, so it is
# the runtime (bot/i18n.py) that picks the index, by Babel's CLDR category.
PLURAL_FORMS = {
    "uk": (
        "nplurals=4; plural=(n % 1 == 0 && n % 10 == 1 && n % 100 != 11 ? 0 : "
        "n % 1 == 0 && n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 1 : "
        "n % 1 == 0 && (n % 10 ==0 || (n % 10 >=5 && n % 10 <=9) || "
        "(n % 100 >=11 && n % 100 <=14 )) ? 2: 3);"
    ),
    "en": "nplurals=2; plural=(n != 1);",
}
LANGUAGE_NAMES = {"uk": "Ukrainian", "en": "English"}
# A new catalog's header dates: fixed, so that a re-run writes the same bytes.
FIXED_DATE = datetime(2026, 11, 27, tzinfo=UTC)
PLURAL_SUFFIXES = ("one", "few", "many", "other")


def categories(lang: str) -> tuple[str, ...]:
    """The CLDR plural categories of ``lang`` in msgstr[] order (uk: one, few, many, other)."""
    tags = set(Locale.parse(lang).plural_form.tags) | {"other"}
    return tuple(tag for tag in CLDR_ORDER if tag in tags)


def load_dicts(path: Path) -> dict[str, dict[str, str]]:
    """The final UK and EN dicts of ``path``, as the module builds them (updates included)."""
    namespace = runpy.run_path(str(path))
    result = {}
    for lang, name in DICTS.items():
        texts = namespace.get(name)
        if not isinstance(texts, dict):
            raise SystemExit(f"{path}: no dict {name} (is this a bot/i18n.py with its dicts?)")
        result[lang] = {str(key): str(value) for key, value in texts.items()}
    return result


def _clean_comment(text: str) -> str | None:
    text = text.lstrip("#").strip()
    text = text.strip("-").strip()
    if not text or re.match(r"end of\b", text):
        return None  # "--- end of quiet hours ---" marks a block's end, it says nothing
    return text


def _paragraphs(comments: dict[int, str], lines: list[int]) -> list[str]:
    """Comment lines joined into paragraphs; a "--- heading ---" stands alone."""
    result: list[str] = []
    previous = -1
    for n in lines:
        raw = comments[n].lstrip("#").strip()
        text = _clean_comment(raw)
        if text is None:
            previous = -1
            continue
        heading = raw.startswith("-")
        if result and n == previous + 1 and not heading:
            result[-1] += " " + text
        else:
            result.append(text)
        previous = -1 if heading else n
    return result


def load_comments(path: Path) -> dict[str, list[str]]:
    """The comments written above (or beside) each key of the file's dict literals."""
    source = path.read_text(encoding="utf-8")
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string
    tree = ast.parse(source)
    result: dict[str, list[str]] = {}
    previous_end = 0
    for statement in tree.body:
        for node in ast.walk(statement):
            if not isinstance(node, ast.Dict):
                continue
            # The first key also takes the comments above the statement that holds the dict.
            above = previous_end
            for key, value in zip(node.keys, node.values, strict=True):
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    break
                end = value.end_lineno or value.lineno
                lines = [n for n in sorted(comments) if above < n <= end]
                known = result.setdefault(key.value, [])
                for text in _paragraphs(comments, lines):
                    # The English block's heading is often the Ukrainian one, shorter.
                    if not any(k.startswith(text) for k in known):
                        known.append(text)
                above = end
        previous_end = statement.end_lineno or statement.lineno
    return result


def plural_keys(uk: dict[str, str]) -> dict[str, str]:
    """key.one/.few/.many/.other -> key, for the keys that are plural (not e.g. kind.other)."""
    bases = {
        key.rpartition(".")[0]
        for key in uk
        if key.rpartition(".")[2] in ("one", "few", "many")  # kind.other alone is no plural
    }
    return {
        f"{base}.{suffix}": base
        for base in bases
        for suffix in PLURAL_SUFFIXES
        if f"{base}.{suffix}" in uk
    }


def _form(texts: dict[str, str], base: str, category: str) -> str:
    # The order in which tn() of the dicts fell back: the category, then other, then many.
    for suffix in (category, "other", "many"):
        if f"{base}.{suffix}" in texts:
            return texts[f"{base}.{suffix}"]
    return ""


def messages(
    dicts: dict[str, dict[str, str]], comments: dict[str, list[str]]
) -> dict[str, dict[str, Message]]:
    """key -> language -> the catalog entry, in the dicts' order."""
    uk = dicts[SOURCE_LANGUAGE]
    plurals = plural_keys(uk)
    result: dict[str, dict[str, Message]] = {}
    for key in uk:
        base = plurals.get(key, key)
        if base in result:
            continue
        members = [base] + [f"{base}.{suffix}" for suffix in PLURAL_SUFFIXES]
        notes = list(dict.fromkeys(c for k in members for c in comments.get(k, [])))
        entry: dict[str, Message] = {}
        for lang, texts in dicts.items():
            if base == key:
                msgid: str | tuple[str, str] = uk[key]
                string: str | tuple[str, ...] = texts.get(key, "")
            else:
                msgid = (_form(uk, base, "one"), _form(uk, base, "many"))
                string = tuple(_form(texts, base, c) for c in categories(lang))
            entry[lang] = Message(msgid, string, context=base, auto_comments=notes)
        result[base] = entry
    return result


def new_catalog(lang: str) -> Catalog:
    catalog = Catalog(
        locale=lang,
        domain=DOMAIN,
        header_comment=(
            f"# {LANGUAGE_NAMES[lang]} texts of alertbot. Key: msgctxt; source: msgid "
            "(Ukrainian).\n# How to translate, compile and check: README.md, Translating."
        ),
        project="alertbot",
        version="1",
        msgid_bugs_address="the issue tracker of alertbot",
        creation_date=FIXED_DATE,
        revision_date=FIXED_DATE,
        last_translator="alertbot developers",
        language_team=LANGUAGE_NAMES[lang],
        fuzzy=False,
    )
    catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[lang])]
    return catalog


def read_catalog(path: Path, lang: str) -> Catalog:
    if not path.exists():
        return new_catalog(lang)
    with path.open("rb") as file:
        return read_po(file, locale=lang, abort_invalid=True)


def merge(
    catalog: Catalog, written: dict[str, Message], removed: Iterable[str], lang: str
) -> Catalog:
    """A copy of ``catalog`` with ``written`` replacing or joining its entries by key."""
    result = Catalog(
        locale=lang,
        domain=DOMAIN,
        header_comment=catalog.header_comment,
        fuzzy=catalog.fuzzy,
    )
    result.mime_headers = catalog.mime_headers
    removed = set(removed)
    seen = set()
    for old in catalog:
        if not old.id:
            continue  # the header
        key = old.context or ""
        if key in removed:
            continue
        if key in written:
            new = written[key]
            # A translator's own "# " notes stay; the dicts' text and comments win.
            # ("#| msgid", the source before a change, reads as a comment "| msgid": dropped.)
            new.user_comments = [c for c in old.user_comments if not c.startswith("|")]
            old = new
        seen.add(key)
        result[old.id] = old
    for key, new in written.items():
        if key not in seen:
            result[new.id] = new
    return result


def write(catalog: Catalog, path: Path) -> bool:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=76)
    data = buffer.getvalue()
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def _snapshot(entry: dict[str, Message]) -> tuple[object, ...]:
    return tuple((m.id, m.string, tuple(m.auto_comments)) for m in entry.values())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="a bot/i18n.py that defines UK and EN")
    parser.add_argument("--base", type=Path, help="the version SOURCE started from")
    parser.add_argument("--locales", type=Path, default=LOCALES, help="default: bot/locales")
    args = parser.parse_args(argv)

    new = messages(load_dicts(args.source), load_comments(args.source))
    removed: list[str] = []
    if args.base is not None:
        old = messages(load_dicts(args.base), load_comments(args.base))
        removed = [k for k in old if k not in new]
        new = {k: v for k, v in new.items() if k not in old or _snapshot(old[k]) != _snapshot(v)}
    for lang in DICTS:
        path = args.locales / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        catalog = merge(
            read_catalog(path, lang), {k: v[lang] for k, v in new.items()}, removed, lang
        )
        changed = write(catalog, path)
        print(f"{path}: {'written' if changed else 'unchanged'}", file=sys.stderr)
    print(f"{len(new)} messages written, {len(removed)} removed", file=sys.stderr)
    if args.base is not None:
        for key in new:
            print(f"written: {key}", file=sys.stderr)
        for key in removed:
            print(f"removed: {key}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
