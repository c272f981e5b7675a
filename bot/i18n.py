"""Every user-facing text, Ukrainian first and English second. Handlers only pick keys."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("uk", "en")
DEFAULT_LANGUAGE = "uk"

UK: dict[str, str] = {
    "kind.air_raid": "Повітряна тривога",
    "kind.artillery": "Загроза артобстрілу",
    "kind.urban_fights": "Загроза вуличних боїв",
    "kind.chemical": "Хімічна загроза",
    "kind.nuclear": "Радіаційна загроза",
    "kind.other": "Тривога",
    "scope.energy": "удари по енергетиці",
    "scope.long-range": "далекобійні удари",
    "scope.all": "усі удари",
    "status.announced": "оголошено, ще не почалося",
    "status.in_force": "оголошено як чинне",
    "status.ended": "завершено",
    "alert.start": "🔴 {kind}: {region}\nПочаток: {time} (за Києвом)",
    "alert.end": "🟢 Відбій: {kind_lower}, {region}\nКінець: {time} (за Києвом)",
    "alert.level": "Рівень загрози: {level}",
    "alert.threat": "Тип загрози: {threat}",
    "truce.note": (
        "⚠️ Оголошено паузу ударів «{name}» ({scope}): оголосив(ла) {parties}. "
        "Це лише оголошення, а не гарантія: тривога діє, будьте в укритті."
    ),
    "truce.note_end": (
        "ℹ️ Ця тривога була під час оголошеної паузи ударів «{name}» ({scope}): оголосив(ла) "
        "{parties}. Пауза — лише оголошення, а не гарантія."
    ),
    "truce.window": "з {start} до {end}",
    "truce.window_open": "з {start}, без оголошеного кінця",
    "truce.party_end": "{party}, до {end}",
    "truce.party_open": "{party}, без оголошеного кінця",
    "help": (
        "Я пересилаю повітряні тривоги з публічних джерел (alerts.in.ua) у цей чат: одне "
        "повідомлення, коли тривога починається, і одне, коли закінчується. Якщо оголошено "
        "паузу ударів, я додаю примітку, але тривога все одно діє.\n\n"
        "/subscribe <регіон> — підписатися, напр. /subscribe Львів\n"
        "/unsubscribe <регіон|all> — відписатися\n"
        "/mysubs — мої підписки\n"
        "/status — тривоги в моїх регіонах зараз\n"
        "/truces — оголошені паузи ударів\n"
        "/lang uk|en — мова"
    ),
    "help.admin": (
        "\n\nДля адміністраторів:\n"
        "/truce_set <назва> start=<час> [end=<час>] [regions=<р1,р2|all>] "
        "[scope=<energy|long-range|all>] [party=<хто оголосив>] [source=<посилання>]\n"
        "/truce_end <назва>\n"
        "/feed_add <назва> <тип> <url> [interval=N] [token_env=ЗМІННА]\n"
        "/feed_list, /feed_remove <назва>, /feed_pause <назва>, /feed_resume <назва>, "
        "/feed_test <назва>"
    ),
    "subscribe.usage": "Вкажіть регіон: /subscribe <регіон>, напр. /subscribe Львів",
    "subscribe.done": "✅ Підписано: {region}. Я напишу, коли почнеться і закінчиться тривога.",
    "subscribe.already": "Ви вже підписані на {region}.",
    "subscribe.now_active": "Зараз там діє: {alerts}.",
    "region.unknown": "Не знаю регіону «{query}».",
    "region.suggest": "Можливо, ви мали на увазі: {suggestions}?",
    "region.hint": "Спробуйте назву області, напр. «Львів» або «Київська область».",
    "unsubscribe.usage": "Вкажіть регіон або all: /unsubscribe <регіон|all>",
    "unsubscribe.done": "Відписано: {region}.",
    "unsubscribe.all": "Усі підписки скасовано ({count}).",
    "unsubscribe.none": "Ви не були підписані на {region}.",
    "mysubs.none": "У вас немає підписок. Додайте: /subscribe <регіон>",
    "mysubs.list": "Ваші підписки:\n{items}",
    "status.none_subs": "У вас немає підписок. Додайте: /subscribe <регіон>",
    "status.header": "Стан ваших регіонів:",
    "status.quiet": "🟢 {region}: тривоги немає",
    "status.alert": "🔴 {region}: {kind} з {time}",
    "status.truce": "⚠️ Оголошено як чинну паузу ударів: «{name}» ({scope})",
    "lang.usage": "Мова: /lang uk або /lang en",
    "lang.done": "Мову змінено: українська.",
    "truces.none": "Пауз ударів не записано.",
    "truces.header": "Оголошені паузи ударів (це оголошення, а не гарантія):",
    "truces.item": "• «{name}» — {status}; {scope}; регіони: {regions}",
    "truces.claim": "   {party}: {window}{source}",
    "truces.regions_all": "усі",
    "admin.refused": "⛔ Ця команда лише для адміністраторів бота.",
    "truce_set.usage": (
        "Формат: /truce_set <назва> start=<час> [end=<час>] [regions=<р1,р2|all>] "
        "[scope=<energy|long-range|all>] [party=<хто оголосив>] [source=<посилання>]\n"
        "Час у форматі ISO 8601, напр. 2025-03-18T00:00 (без зсуву — за Києвом). Значення з "
        'пробілами беріть у лапки: party="Офіс Президента".'
    ),
    "truce_set.error": "❌ {error}",
    "truce_set.created": "✅ Записано паузу «{name}»: {party}, {window}.",
    "truce_set.added": "✅ До паузи «{name}» додано заяву: {party}, {window}.",
    "truce_set.replaced": "✅ Заяву {party} щодо паузи «{name}» оновлено: {window}.",
    "truce_set.reopened": " Паузу знову відкрито.",
    "truce_end.usage": "Формат: /truce_end <назва>",
    "truce_end.done": "Паузу «{name}» позначено завершеною.",
    "truce_end.unknown": "Паузи «{name}» немає в реєстрі. Перелік: /truces",
    "error.internal": "Вибачте, сталася помилка. Спробуйте ще раз трохи згодом.",
    "unknown_command": "Не знаю такої команди. Перелік команд: /help",
    "feed_add.usage": "Формат: /feed_add <назва> <тип> <url> [interval=N] [token_env=ЗМІННА]",
    "feed_add.done": "✅ Джерело «{name}» ({kind}) додано; опитування кожні {interval} с.",
    "feed.bad_option": "❌ Не розумію «{option}».",
    "feed.bad_kind": "невідомий тип «{kind}»; відомі: {kinds}",
    "feed.bad_interval": "interval: щонайменше 2 секунди",
    "feed.needs_token": "джерело типу {kind} потребує токена: token_env=ЗМІННА з токеном у середовищі бота",
    "url.scheme": "джерелом може бути лише адреса http:// або https://",
    "url.no_host": "в адресі немає хоста",
    "url.unresolvable": "не вдається знайти хост {host}",
    "url.internal": "{host} веде на внутрішню адресу ({address}); такі джерела вимкнено (allow_private_feeds)",
    "feed.exists": "джерело «{name}» уже є",
    "feed.unknown": "джерела «{name}» немає; перелік: /feed_list",
    "feed.in_config": "«{name}» задано у файлі конфігурації; його можна призупинити (/feed_pause) або змінити у файлі",
    "feed.test_failed": "джерело не відповіло як слід: {error}",
    "feed_list.none": "Джерел немає.",
    "feed_list.header": "Джерела:",
    "feed_list.item": "• {name} — {kind}, кожні {interval} с, {state}, {origin}; останній успіх: {success}; невдач поспіль: {failures}",
    "feed_list.error": "   остання помилка ({at}): {error}",
    "feed_list.never": "ще не було",
    "feed_list.active": "працює",
    "feed_list.paused": "призупинено",
    "feed_list.origin_config": "з конфігурації",
    "feed_list.origin_chat": "додано в чаті",
    "feed_remove.usage": "Формат: /feed_remove <назва>",
    "feed_remove.done": "Джерело «{name}» видалено.",
    "feed_pause.usage": "Формат: /feed_pause <назва>",
    "feed_pause.done": "Джерело «{name}» призупинено.",
    "feed_pause.already": "Джерело «{name}» уже призупинено.",
    "feed_resume.usage": "Формат: /feed_resume <назва>",
    "feed_resume.done": "Джерело «{name}» знову працює.",
    "feed_resume.already": "Джерело «{name}» і так працює.",
    "feed_test.usage": "Формат: /feed_test <назва>",
    "feed_test.header": "«{name}»: зараз активних тривог — {count}",
    "feed_test.more": "…і ще {count}",
    "err.missing_name": "немає назви паузи",
    "err.missing_start": "потрібен start=<час>",
    "err.bad_time": "{key}: не розумію час «{value}»; потрібен ISO 8601, напр. 2025-03-18T00:00",
    "err.end_before_start": "end має бути пізніше за start",
    "err.unknown_key": "невідомий параметр «{key}»",
    "err.not_key_value": "«{token}» — очікую ключ=значення",
    "err.bad_scope": "scope: має бути energy, long-range або all",
    "err.bad_region": "regions: не знаю регіону «{value}»",
    "err.quotes": "незакрита лапка",
    "err.duplicate_key": "параметр «{key}» указано двічі",
    "err.too_long": "{key}: задовге значення",
}

EN: dict[str, str] = {
    "kind.air_raid": "Air-raid alert",
    "kind.artillery": "Artillery shelling threat",
    "kind.urban_fights": "Urban fighting threat",
    "kind.chemical": "Chemical threat",
    "kind.nuclear": "Radiation threat",
    "kind.other": "Alert",
    "scope.energy": "strikes on energy infrastructure",
    "scope.long-range": "long-range strikes",
    "scope.all": "all strikes",
    "status.announced": "announced, not started",
    "status.in_force": "announced as in force",
    "status.ended": "ended",
    "alert.start": "🔴 {kind}: {region}\nStarted: {time} (Kyiv time)",
    "alert.end": "🟢 All clear: {kind_lower}, {region}\nEnded: {time} (Kyiv time)",
    "alert.level": "Threat level: {level}",
    "alert.threat": "Threat type: {threat}",
    "truce.note": (
        "⚠️ A strike pause “{name}” ({scope}) is announced as in force: announced by {parties}. "
        "This is an announcement, not a guarantee: the alert stands, take shelter."
    ),
    "truce.note_end": (
        "ℹ️ This alert came during the announced strike pause “{name}” ({scope}): announced by "
        "{parties}. A pause is only an announcement, not a guarantee."
    ),
    "truce.window": "from {start} to {end}",
    "truce.window_open": "from {start}, with no announced end",
    "truce.party_end": "{party}, until {end}",
    "truce.party_open": "{party}, with no announced end",
    "help": (
        "I relay air-raid alerts from public sources (alerts.in.ua) to this chat: one message "
        "when an alert starts and one when it ends. If a strike pause has been announced I add a "
        "note, but the alert still stands.\n\n"
        "/subscribe <region> — subscribe, e.g. /subscribe Lviv\n"
        "/unsubscribe <region|all> — unsubscribe\n"
        "/mysubs — my subscriptions\n"
        "/status — alerts in my regions now\n"
        "/truces — announced strike pauses\n"
        "/lang uk|en — language"
    ),
    "help.admin": (
        "\n\nFor admins:\n"
        "/truce_set <name> start=<time> [end=<time>] [regions=<r1,r2|all>] "
        "[scope=<energy|long-range|all>] [party=<who announced>] [source=<url>]\n"
        "/truce_end <name>\n"
        "/feed_add <name> <kind> <url> [interval=N] [token_env=VAR]\n"
        "/feed_list, /feed_remove <name>, /feed_pause <name>, /feed_resume <name>, "
        "/feed_test <name>"
    ),
    "subscribe.usage": "Name a region: /subscribe <region>, e.g. /subscribe Lviv",
    "subscribe.done": "✅ Subscribed: {region}. I will write when an alert starts and ends.",
    "subscribe.already": "You are already subscribed to {region}.",
    "subscribe.now_active": "Active there now: {alerts}.",
    "region.unknown": "I don't know the region “{query}”.",
    "region.suggest": "Did you mean: {suggestions}?",
    "region.hint": "Try an oblast name, e.g. “Lviv” or “Kyiv oblast”.",
    "unsubscribe.usage": "Name a region or all: /unsubscribe <region|all>",
    "unsubscribe.done": "Unsubscribed: {region}.",
    "unsubscribe.all": "All subscriptions removed ({count}).",
    "unsubscribe.none": "You were not subscribed to {region}.",
    "mysubs.none": "You have no subscriptions. Add one: /subscribe <region>",
    "mysubs.list": "Your subscriptions:\n{items}",
    "status.none_subs": "You have no subscriptions. Add one: /subscribe <region>",
    "status.header": "Your regions now:",
    "status.quiet": "🟢 {region}: no alert",
    "status.alert": "🔴 {region}: {kind} since {time}",
    "status.truce": "⚠️ Strike pause announced as in force: “{name}” ({scope})",
    "lang.usage": "Language: /lang uk or /lang en",
    "lang.done": "Language set: English.",
    "truces.none": "No strike pauses on record.",
    "truces.header": "Announced strike pauses (announcements, not guarantees):",
    "truces.item": "• “{name}” — {status}; {scope}; regions: {regions}",
    "truces.claim": "   {party}: {window}{source}",
    "truces.regions_all": "all",
    "admin.refused": "⛔ This command is for the bot's admins only.",
    "truce_set.usage": (
        "Form: /truce_set <name> start=<time> [end=<time>] [regions=<r1,r2|all>] "
        "[scope=<energy|long-range|all>] [party=<who announced>] [source=<url>]\n"
        "Times in ISO 8601, e.g. 2025-03-18T00:00 (no offset means Kyiv time). Quote values "
        'with spaces: party="President\'s Office".'
    ),
    "truce_set.error": "❌ {error}",
    "truce_set.created": "✅ Recorded strike pause “{name}”: {party}, {window}.",
    "truce_set.added": "✅ Added a claim to “{name}”: {party}, {window}.",
    "truce_set.replaced": "✅ Updated {party}'s claim for “{name}”: {window}.",
    "truce_set.reopened": " The pause is open again.",
    "truce_end.usage": "Form: /truce_end <name>",
    "truce_end.done": "Strike pause “{name}” marked as ended.",
    "truce_end.unknown": "No strike pause “{name}” on record. See /truces",
    "error.internal": "Sorry, something went wrong. Please try again in a moment.",
    "unknown_command": "I don't know that command. The list: /help",
    "feed_add.usage": "Form: /feed_add <name> <kind> <url> [interval=N] [token_env=VAR]",
    "feed_add.done": "✅ Feed “{name}” ({kind}) added; polled every {interval} s.",
    "feed.bad_option": "❌ I don't understand “{option}”.",
    "feed.bad_kind": "unknown kind “{kind}”; known: {kinds}",
    "feed.bad_interval": "interval: at least 2 seconds",
    "feed.needs_token": "a {kind} feed needs a token: token_env=VAR naming a variable in the bot's environment",
    "url.scheme": "only http:// and https:// addresses can be feeds",
    "url.no_host": "the address has no host",
    "url.unresolvable": "cannot resolve the host {host}",
    "url.internal": "{host} points to an internal address ({address}); such feeds are off (allow_private_feeds)",
    "feed.exists": "a feed named “{name}” already exists",
    "feed.unknown": "no feed named “{name}”; see /feed_list",
    "feed.in_config": "“{name}” is defined in the config file; pause it (/feed_pause) or edit the file",
    "feed.test_failed": "the feed did not answer properly: {error}",
    "feed_list.none": "No feeds.",
    "feed_list.header": "Feeds:",
    "feed_list.item": "• {name} — {kind}, every {interval} s, {state}, {origin}; last success: {success}; failures in a row: {failures}",
    "feed_list.error": "   last error ({at}): {error}",
    "feed_list.never": "never",
    "feed_list.active": "active",
    "feed_list.paused": "paused",
    "feed_list.origin_config": "from the config",
    "feed_list.origin_chat": "added in the chat",
    "feed_remove.usage": "Form: /feed_remove <name>",
    "feed_remove.done": "Feed “{name}” removed.",
    "feed_pause.usage": "Form: /feed_pause <name>",
    "feed_pause.done": "Feed “{name}” paused.",
    "feed_pause.already": "Feed “{name}” is already paused.",
    "feed_resume.usage": "Form: /feed_resume <name>",
    "feed_resume.done": "Feed “{name}” is active again.",
    "feed_resume.already": "Feed “{name}” is already active.",
    "feed_test.usage": "Form: /feed_test <name>",
    "feed_test.header": "“{name}”: active alerts now — {count}",
    "feed_test.more": "…and {count} more",
    "err.missing_name": "the pause needs a name",
    "err.missing_start": "start=<time> is required",
    "err.bad_time": "{key}: cannot read the time “{value}”; use ISO 8601, e.g. 2025-03-18T00:00",
    "err.end_before_start": "end must be later than start",
    "err.unknown_key": "unknown parameter “{key}”",
    "err.not_key_value": "“{token}” — expected key=value",
    "err.bad_scope": "scope: must be energy, long-range or all",
    "err.bad_region": "regions: unknown region “{value}”",
    "err.quotes": "unclosed quote",
    "err.duplicate_key": "parameter “{key}” given twice",
    "err.too_long": "{key}: value too long",
}

CATALOG: dict[str, dict[str, str]] = {"uk": UK, "en": EN}


def language(lang: str | None) -> str:
    return lang if lang in CATALOG else DEFAULT_LANGUAGE


def t(lang: str | None, key: str, /, **values: Any) -> str:
    """The text for ``key`` in ``lang`` (Ukrainian when unset), with ``values`` filled in."""
    return CATALOG[language(lang)][key].format(**values)
