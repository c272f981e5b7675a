"""Check the message catalogs: ``python -m bot.i18n_check``, one line per problem, exit 1.

What it finds (the layout is explained in bot/i18n.py): a message missing, empty or fuzzy in a
language; a plural message without all its forms, or plural in one language and not in
another; placeholders ({name}) that differ from the Ukrainian text's, or braces that do not
parse; a translation whose msgid is not the current Ukrainian text; a Plural-Forms header that
does not pick the form of Babel's CLDR category; and a literal key in the code,
``t(lang, "key")`` or ``tn(lang, "key", n)``, that the catalog does not have.

``python -m bot.i18n_check --sync`` first makes every catalog follow the Ukrainian one, as
``msgmerge`` would: each msgid becomes the current Ukrainian text (a translation whose source
changed is marked fuzzy, its old translation kept for the translator to review), keys new
in Ukrainian are added untranslated, keys gone from it are dropped, and the
notes for translators (``#.``) are copied. So a developer edits only uk/messages.po, runs
``--sync``, and the check lists what is left to translate.
"""

from __future__ import annotations

import argparse
import ast
import gettext
import io
import string
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po, write_po

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALES, catalog_path, categories

CODE = (Path(__file__).resolve().parent,)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _forms(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, str):
        return (message.string,)
    return tuple(message.string or ())


def _ids(message: Message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def _fields(text: str) -> set[str]:
    """The placeholder names of ``text``; ValueError when its braces do not parse."""
    names = set()
    for _, field, spec, _ in string.Formatter().parse(text):
        if field is not None:
            names.add(field)
            if spec:
                names |= _fields(spec)
    return names


def _read(path: Path, lang: str) -> tuple[Catalog | None, list[str]]:
    try:
        with path.open("rb") as file:
            return read_po(file, locale=lang, abort_invalid=True), []
    except (OSError, PoFileError, ValueError) as error:
        return None, [f"{_shown(path)}: cannot be read: {error}"]


def _check_header(catalog: Catalog, lang: str, where: str) -> list[str]:
    names = categories(lang)
    if catalog.num_plurals != len(names):
        return [
            f"{where}: Plural-Forms: nplurals={catalog.num_plurals}, but {lang} has "
            f"{len(names)} CLDR categories ({', '.join(names)})"
        ]
    try:
        index = gettext.c2py(catalog.plural_expr)
    except (ValueError, SyntaxError) as error:
        return [f"{where}: Plural-Forms: the formula does not parse: {error}"]
    locale = Locale.parse(lang)
    for n in range(1001):
        category = str(locale.plural_form(n))
        if index(n) != names.index(category):
            return [
                f"{where}: Plural-Forms: gives form {index(n)} for {n}, CLDR says "
                f"{category} (form {names.index(category)})"
            ]
    return []


def _keys(catalog: Catalog, where: str) -> tuple[dict[str, Message], list[str]]:
    keyed: dict[str, Message] = {}
    problems = []
    for message in catalog:
        if not message.id:
            continue  # the header
        if not message.context:
            problems.append(f'{where}: msgid "{_ids(message)[0][:40]}": no key (msgctxt)')
        elif message.context in keyed:
            problems.append(f"{where}: {message.context}: the key appears twice")
        else:
            keyed[message.context] = message
    return keyed, problems


def _check_message(
    message: Message, source: Message, lang: str, nplurals: int, where: str
) -> list[str]:
    key = message.context
    plural = isinstance(source.id, (list, tuple))
    if isinstance(message.id, (list, tuple)) != plural:
        kind = "a plural message" if plural else "not a plural message"
        return [f"{where}: {key}: is {kind} in {DEFAULT_LANGUAGE}, but not here"]
    if message.fuzzy:
        return [f"{where}: {key}: fuzzy (marked for review), so not used"]
    forms = _forms(message)
    if not any(forms):
        return [f"{where}: {key}: untranslated (empty msgstr)"]
    problems = []
    names = categories(lang)
    if plural and len(forms) != nplurals:
        problems.append(f"{where}: {key}: {len(forms)} plural forms, Plural-Forms says {nplurals}")
    for i, form in enumerate(forms):
        if not form:
            name = names[i] if i < len(names) else "?"
            problems.append(f"{where}: {key}: plural form {i} ({name}) is empty")
    if _ids(message) != _ids(source):
        problems.append(
            f"{where}: {key}: the msgid is not the current Ukrainian text: review the "
            f"translation, then copy the msgid from the {DEFAULT_LANGUAGE} catalog"
        )
    try:
        wanted = set().union(*(_fields(form) for form in _forms(source)))
        for i, form in enumerate(forms):
            found = _fields(form)
            label = f" (form {i})" if plural else ""
            if found - wanted or (not plural and found != wanted):
                problems.append(
                    f"{where}: {key}{label}: placeholders {sorted(found)}, the Ukrainian text "
                    f"has {sorted(wanted)}"
                )
    except ValueError as error:
        problems.append(f"{where}: {key}: braces do not parse: {error}")
    return problems


def _check_source(message: Message, where: str) -> list[str]:
    """The Ukrainian catalog: its msgid must be its own text (what translators are shown)."""
    forms = _forms(message)
    if not all(forms) or message.fuzzy:
        return []  # reported as untranslated or fuzzy
    expected = (forms[0],) if len(forms) == 1 else (forms[0], forms[min(2, len(forms) - 1)])
    if _ids(message) != expected:
        what = "msgid" if len(forms) == 1 else "msgid / msgid_plural (the one / many forms)"
        return [
            f"{where}: {message.context}: the {what} is not the msgstr: the Ukrainian text "
            "is the msgstr; copy it to the msgid here and in every catalog"
        ]
    return []


def check_catalogs(locales: Path = LOCALES, languages: Sequence[str] = LANGUAGES) -> list[str]:
    """Every problem of the .po files under ``locales``, one line each."""
    path = catalog_path(DEFAULT_LANGUAGE, locales)
    where = _shown(path)
    catalog, problems = _read(path, DEFAULT_LANGUAGE)
    if catalog is None:
        return problems
    problems += _check_header(catalog, DEFAULT_LANGUAGE, where)
    source, found = _keys(catalog, where)
    problems += found
    for message in source.values():
        problems += _check_message(message, message, DEFAULT_LANGUAGE, catalog.num_plurals, where)
        problems += _check_source(message, where)
    for lang in languages:
        if lang == DEFAULT_LANGUAGE:
            continue
        path = catalog_path(lang, locales)
        where = _shown(path)
        other, found = _read(path, lang)
        if other is None:
            problems += found
            continue
        problems += _check_header(other, lang, where)
        keyed, found = _keys(other, where)
        problems += found
        for key, message in source.items():
            if key not in keyed:
                problems.append(f"{where}: {key}: missing")
            else:
                problems += _check_message(keyed[key], message, lang, other.num_plurals, where)
        problems += [
            f"{where}: {key}: not in the {DEFAULT_LANGUAGE} catalog (the source)"
            for key in keyed
            if key not in source
        ]
    return problems


def _source_id(message: Message, lang: str) -> str | tuple[str, str] | None:
    """The msgid a Ukrainian entry should have: its text (plural: the one and many forms)."""
    forms = _forms(message)
    if not forms or not all(forms):
        return None
    if isinstance(message.id, str):
        return forms[0]
    names = categories(lang)
    many = names.index("many") if "many" in names else len(names) - 1
    return (forms[0], forms[min(many, len(forms) - 1)])


def _rebuilt(catalog: Catalog, lang: str, messages: Iterable[Message]) -> Catalog:
    result = Catalog(
        locale=lang, domain=catalog.domain, header_comment=catalog.header_comment, fuzzy=False
    )
    result.mime_headers = catalog.mime_headers
    result.fuzzy = catalog.fuzzy
    for message in messages:
        result[message.id] = message
    return result


def _write(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=76)
    if path.read_bytes() != buffer.getvalue():
        path.write_bytes(buffer.getvalue())


def _copy(message: Message, **changes: object) -> Message:
    fields: dict[str, object] = {
        "id": message.id,
        "string": message.string,
        "locations": message.locations,
        "flags": set(message.flags),
        "auto_comments": message.auto_comments,
        # Babel reads a "#| msgid" (the source before a change, as msgmerge and Poedit write
        # it) as a comment "| msgid"; it would come back as "# | msgid", so it goes.
        "user_comments": [c for c in message.user_comments if not c.startswith("|")],
        "context": message.context,
    }
    fields.update(changes)
    return Message(**fields)  # type: ignore[arg-type]


def sync(locales: Path = LOCALES, languages: Sequence[str] = LANGUAGES) -> list[str]:
    """Make every catalog follow the Ukrainian one (see above); one line per change."""
    changes: list[str] = []
    path = catalog_path(DEFAULT_LANGUAGE, locales)
    catalog, problems = _read(path, DEFAULT_LANGUAGE)
    if catalog is None:
        return problems
    source: dict[str, Message] = {}
    for message in catalog:
        key = message.context
        if not message.id or not key:
            continue
        wanted = _source_id(message, DEFAULT_LANGUAGE)
        if wanted is not None and _ids(message) != _ids(Message(wanted)):
            changes.append(f"{_shown(path)}: {key}: msgid set to the Ukrainian text")
            message = _copy(message, id=wanted)
        source[key] = message
    _write(_rebuilt(catalog, DEFAULT_LANGUAGE, source.values()), path)
    for lang in languages:
        if lang == DEFAULT_LANGUAGE:
            continue
        path = catalog_path(lang, locales)
        where = _shown(path)
        other, problems = _read(path, lang)
        if other is None:
            changes += problems
            continue
        kept: dict[str, Message] = {}
        for message in other:
            key = message.context
            if not message.id or not key:
                continue
            if key not in source:
                changes.append(f"{where}: {key}: dropped, the Ukrainian catalog has it not")
                continue
            new = source[key]
            if isinstance(new.id, str) != isinstance(message.id, str):
                continue  # plural in one and not the other: added again below, empty
            if _ids(message) != _ids(new):
                fuzzy = any(_forms(message))
                changes.append(
                    f"{where}: {key}: the Ukrainian text changed"
                    + (", marked fuzzy for review" if fuzzy else "")
                )
                message = _copy(
                    message,
                    id=new.id,
                    flags=set(message.flags) | ({"fuzzy"} if fuzzy else set()),
                )
            kept[key] = _copy(message, auto_comments=new.auto_comments)
        for key, new in source.items():
            if key not in kept:
                changes.append(f"{where}: {key}: added, untranslated")
                empty = "" if isinstance(new.id, str) else ("",) * other.num_plurals
                kept[key] = Message(new.id, empty, context=key, auto_comments=new.auto_comments)
        _write(_rebuilt(other, lang, kept.values()), path)
    return changes


def _i18n_names(tree: ast.Module) -> tuple[dict[str, str], set[str]]:
    """The names this module calls t/tn by, and the names the bot.i18n module has in it."""
    functions: dict[str, str] = {}
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "bot.i18n":
            for alias in node.names:
                if alias.name in ("t", "tn"):
                    functions[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module == "bot":
            modules |= {a.asname or a.name for a in node.names if a.name == "i18n"}
        elif isinstance(node, ast.Import):
            modules |= {a.asname for a in node.names if a.name == "bot.i18n" and a.asname}
    return functions, modules


def used_keys(paths: Iterable[Path]) -> list[tuple[Path, int, str, str]]:
    """(file, line, "t" or "tn", key) of each call with a literal key in the code."""
    result = []
    for root in paths:
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            functions, modules = _i18n_names(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or len(node.args) < 2:
                    continue
                func = node.func
                name = None
                if isinstance(func, ast.Name):
                    name = functions.get(func.id)
                elif (
                    isinstance(func, ast.Attribute)
                    and func.attr in ("t", "tn")
                    and isinstance(func.value, ast.Name)
                    and func.value.id in modules
                ):
                    name = func.attr
                key = node.args[1]
                if name and isinstance(key, ast.Constant) and isinstance(key.value, str):
                    result.append((path, node.lineno, name, key.value))
    return result


def check_code(paths: Iterable[Path] = CODE, locales: Path = LOCALES) -> list[str]:
    """The literal keys the code passes to t() and tn() that the Ukrainian catalog has not."""
    catalog, problems = _read(catalog_path(DEFAULT_LANGUAGE, locales), DEFAULT_LANGUAGE)
    if catalog is None:
        return problems
    plain: set[str] = set()
    plural: set[str] = set()
    for message in catalog:
        if message.id and message.context:
            (plural if isinstance(message.id, (list, tuple)) else plain).add(message.context)
    names = categories(DEFAULT_LANGUAGE)
    flat = plain | {f"{key}.{category}" for key in plural for category in names}
    for path, line, function, key in used_keys(paths):
        if function == "t" and key not in flat:
            problems.append(f'{_shown(path)}:{line}: t(…, "{key}"): no such key in the catalog')
        elif function == "tn" and key not in plural:
            what = "not a plural message" if key in plain else "no such plural message"
            problems.append(f'{_shown(path)}:{line}: tn(…, "{key}", …): {what} in the catalog')
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locales", type=Path, default=LOCALES, help="default: bot/locales")
    parser.add_argument(
        "--code", type=Path, action="append", help="files or folders to scan (default: bot/)"
    )
    parser.add_argument(
        "--sync", action="store_true", help="first make every catalog follow the Ukrainian one"
    )
    args = parser.parse_args(argv)
    if args.sync:
        for change in sync(args.locales):
            print(change, file=sys.stderr)
    problems = check_catalogs(args.locales) + check_code(args.code or CODE, args.locales)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in the message catalogs", file=sys.stderr)
        return 1
    catalog, _ = _read(catalog_path(DEFAULT_LANGUAGE, args.locales), DEFAULT_LANGUAGE)
    count = sum(1 for message in catalog or () if message.id)
    print(f"message catalogs complete: {count} messages in {', '.join(LANGUAGES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
