"""Every user-facing text, Ukrainian first and English second. Handlers only pick keys."""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import Locale

LANGUAGES = ("uk", "en")
DEFAULT_LANGUAGE = "uk"

UK: dict[str, str] = {
    "kind.air_raid": "Повітряна тривога",
    "kind.air_raid_partial": "Повітряна тривога в частині області",
    "kind.artillery": "Загроза артобстрілу",
    "kind.urban_fights": "Загроза вуличних боїв",
    "kind.chemical": "Хімічна загроза",
    "kind.nuclear": "Радіаційна загроза",
    "kind.other": "Тривога",
    "scope.energy": "удари по енергетиці",
    "scope.long-range": "далекобійні удари",
    "scope.all": "усі удари",
    "status.announced": "оголошено, ще не почалося",
    "status.in_force": "діє за оголошенням",
    "status.expired": "минуло: оголошені вікна скінчилися",
    "status.ended_early": "завершено достроково",
    # --- alert messages (issue 16): time first, the date only when not today, no year ---
    "alert.start": "🔴 {kind}: {region}\nПочаток о {time}",
    "alert.end": "🟢 Відбій {kind_gen}: {region}\nКінець о {time}{lasted}",
    "alert.lasted": ", тривала {duration}",
    "alert.update": "🔄 {kind}: {region}\nЗагроза змінилася о {time}",
    "alert.level": "Рівень загрози: {level}",
    "alert.threat_level": "Загроза: {threat} · рівень {level}",
    "kind_gen.air_raid": "повітряної тривоги",
    "kind_gen.air_raid_partial": "повітряної тривоги в частині області",
    "kind_gen.artillery": "загрози артобстрілу",
    "kind_gen.urban_fights": "загрози вуличних боїв",
    "kind_gen.chemical": "хімічної загрози",
    "kind_gen.nuclear": "радіаційної загрози",
    "kind_gen.other": "тривоги",
    # What to do now: by the threat where the source names it, else by the alert kind.
    "action.air_raid": "Прямуйте в укриття!",
    "action.air_raid_partial": "Прямуйте в укриття, якщо ви в зоні тривоги!",
    "action.artillery": "Загроза обстрілу: перейдіть в укриття, подалі від вікон!",
    "action.urban_fights": "Залишайтеся в укритті, не виходьте на вулицю!",
    "action.chemical": "Зачиніть вікна й двері, залишайтеся в приміщенні!",
    "action.nuclear": "Залишайтеся в приміщенні, зачиніть вікна й двері!",
    "action.other": "Будьте уважні, за потреби прямуйте в укриття.",
    "action.threat.ballistic_missiles": "Загроза балістики: негайно в укриття!",
    "action.threat.drones": "Прямуйте в укриття! Тримайтеся подалі від вікон (правило двох стін).",
    "action.threat.guided_aerial_bombs": "Загроза КАБів: негайно в укриття!",
    "duration.h": "{hours} год",
    "region.accusative_fallback": "регіон «{region}»",
    "truce.party_unspecified": "сторону не вказано",
    "stats.chats.one": "{count} чат",
    "stats.chats.few": "{count} чати",
    "stats.chats.many": "{count} чатів",
    "stats.chats.other": "{count} чату",
    "stats.messages.one": "{count} повідомлення",
    "stats.messages.few": "{count} повідомлення",
    "stats.messages.many": "{count} повідомлень",
    "stats.messages.other": "{count} повідомлення",
    "outage.hours_total": "разом {hours} год без світла",
    # --- end of the issue 16 alert texts ---
    # --- quiet hours (issue 16) ---
    "quiet.usage": (
        "Тихі години: /quiet 23:00-07:00 (за київським часом) — у цей час повідомлення "
        "приходять без звуку; /quiet off — вимкнути. Повітряні тривоги у ваших регіонах "
        "лишаються зі звуком."
    ),
    "quiet.none": "Тихі години не задано.",
    "quiet.state": "🌙 Тихі години: з {start} до {end}.",
    "quiet.done": "🌙 Тихі години: з {start} до {end}. У цей час повідомлення приходитимуть без звуку.",
    "quiet.off": "Тихі години вимкнено: усі повідомлення знову зі звуком.",
    "quiet.alerts_loud": "Повітряні тривоги у ваших регіонах і вночі приходять зі звуком.",
    "quiet.alerts_silent": (
        "⚠️ Повітряні тривоги у тихі години теж приходять без звуку. Повернути звук: "
        "/quiet_alerts loud"
    ),
    "quiet_alerts.usage": (
        "/quiet_alerts loud — повітряні тривоги завжди зі звуком (так є спочатку); "
        "/quiet_alerts silent — без звуку в тихі години"
    ),
    "quiet_alerts.confirm": (
        "⚠️ Тоді вночі ви можете не почути повітряну тривогу. Якщо ви певні, надішліть: "
        "/quiet_alerts silent confirm"
    ),
    "quiet_alerts.silent": "Гаразд: у тихі години повітряні тривоги приходитимуть без звуку. Повернути звук: /quiet_alerts loud",
    "quiet_alerts.loud": "🔔 Повітряні тривоги у ваших регіонах завжди приходитимуть зі звуком.",
    # --- end of quiet hours ---
    "alert.parts": "{oblast}: {scope}",
    # What is under alert inside a place; {raions} is "району"/"районів" after "з {total}".
    "scope.count": "під тривогою {active} з {total} {raions}",
    "scope.count_named": "під тривогою {active} з {total} {raions}: {names}",
    "scope.places": "під тривогою: {names}",
    "scope.also": "{names}; також {others}",
    "scope.more": "{names} і ще {count}",
    "raions_after_of.one": "району",
    "raions_after_of.few": "районів",
    "raions_after_of.many": "районів",
    "alert.still_over": "⚠️ Тривога триває: {regions}",
    "alert.still_parts": "⚠️ {oblast}: ще {scope}",
    "alert.still_partial": "⚠️ Триває: {kind_lower}, {oblast}",
    "alert.oblast_clear": "🟢 {oblast}: тривог більше немає",
    "status.parts": "🟠 {region}: {kind_lower} у частині регіону, {scope}",
    "level.red": "🔴 червоний",
    "level.yellow": "🟡 жовтий",
    "threat.drones": "ударні дрони",
    "threat.ballistic_missiles": "балістичні ракети",
    "threat.cruise_missiles": "крилаті ракети",
    "threat.unspecified_missiles": "ракети",
    "threat.guided_aerial_bombs": "керовані авіабомби",
    "threat.tactic_aircraft_activity": "активність тактичної авіації",
    "threat.strategic_aircraft_activity": "активність стратегічної авіації",
    "threat.mig31k_departure": "зліт МіГ-31К",
    "threat.air_defense": "робота ППО",
    "alert.part": "Це тривога в частині області ({oblast})",
    "alert.threat": "Тип загрози: {threat}",
    # One short line per truce; the details are in /truces.
    "truce.note": "⚠️ Оголошено паузу в ударах «{name}» ({scope}; {parties}) — не гарантія; /truces",
    "truce.note_end": "ℹ️ Під час оголошеної паузи в ударах «{name}» ({scope}; {parties}); /truces",
    "truce.window": "з {start} до {end}",
    "truce.window_open": "з {start}, без оголошеного кінця",
    "truce.party_end": "{party}, до {end}",
    "truce.party_open": "{party}, без кінця",
    "outage.group_usage": (
        "Формат: /outage_group <регіон> <група>, напр. /outage_group Львів 1.1\n"
        "Можна стежити за кількома групами. Припинити: /outage_group <регіон> <група> off "
        "або /outage_ungroup <регіон> <група>|all"
    ),
    "outage.ungroup_usage": "Формат: /outage_ungroup <регіон> <група> або /outage_ungroup all",
    "outage.no_source": "Для регіону {region} немає джерела графіків відключень. Графіки є для: {regions}.",
    "outage.no_sources": "Бот поки не читає жодного джерела графіків відключень.",
    "outage.bad_group": "У регіоні {region} немає групи «{group}». Групи: {groups}.",
    "outage.followed": "✅ Ви стежите за групою {group} ({region}). Напишу, коли графік опублікують або змінять, перед відключенням і коли світло має повернутися.",
    "outage.already": "Ви вже стежите за групою {group} ({region}).",
    "outage.unfollowed": "Більше не стежу за групою {group} ({region}).",
    "outage.unfollowed_all": "Стеження за групами скасовано ({count}).",
    "outage.not_following": "Ви не стежили за групою {group} ({region}).",
    "outage.none": "Ви не стежите за жодною групою. Додайте: /outage_group <регіон> <група>, напр. /outage_group Львів 1.1",
    "outage.header": "🗓 {region}, група {group}",
    "outage.today": "Сьогодні, {date}",
    "outage.tomorrow": "Завтра, {date}",
    "outage.off": "без світла {spans}",
    "outage.maybe": "можливі відключення {spans}",
    "outage.all_on": "світло є весь день",
    "outage.hours_off": "{hours} год без світла",
    "outage.no_schedule": "графіка ще немає",
    "outage.planned_only": "графіка ще немає; за тижневим шаблоном можливі відключення {spans}",
    "outage.waiting": "графік ще може змінитися",
    "outage.emergency_mode": "графік не діє: екстрені відключення",
    "outage.stale": "⚠️ Дані могли застаріти: останнє вдале оновлення о {time}.",
    "outage.stale_never": "⚠️ Джерело графіків ще жодного разу не відповіло як слід.",
    "outage.emergency_now": "🚨 Зараз аварійні відключення: {count}",
    "outage.published": "🗓 Опубліковано графік відключень: {region}, група {group}",
    "outage.changed": "🔄 Змінено графік відключень: {region}, група {group}",
    "outage.before": "Було: {schedule}",
    "outage.diff": "Що змінилося: {changes}",
    "outage.diff_off": "{span} тепер без світла",
    "outage.diff_on": "{span} тепер зі світлом",
    "outage.diff_maybe": "{span} тепер можливе відключення",
    "outage.reminder": "⏰ Через {minutes} хв за графіком вимкнуть світло: {region}, група {group} — з {start} до {end}.",
    "outage.back": "💡 За графіком світло має повернутися о {time}: {region}, група {group}.",
    "outage.next": "Наступне відключення: {span}.",
    "outage.emergency_start": "🚨 Аварійне відключення: {region}",
    "outage.emergency_update": "🔄 Аварійне відключення: {region}",
    "outage.emergency_end": "✅ Аварійне відключення закінчилося: {region}",
    "outage.emergency_since": "Початок о {time}",
    "outage.emergency_until": "Орієнтовне відновлення о {time}",
    "outage.emergency_group": "Група {group}",
    "outage.emergency_general": "Графіки відключень зараз не діють: застосовуються екстрені відключення.",
    "outage.truce_note": "⚠️ Оголошено паузу в ударах «{name}» ({scope}; {parties}) — не гарантія; /truces",
    "outage.news": "📰 {title}",
    "outage.cap": "📢 {title}",
    "outage.cap_cancel": "📢 Скасовано: {title}",
    "outage.cap_severity": "Рівень: {severity}",
    "outage.mute_usage": (
        "Формат: /outage_mute scheduled|emergency|all|none\n"
        "scheduled — без повідомлень про графіки, нагадувань і повернення світла; "
        "emergency — без аварійних; all — нічого; none — усе ввімкнено."
    ),
    "outage.mute_state": "Сповіщення про відключення: за графіком — {scheduled}; аварійні — {emergency}.",
    "outage.enabled": "увімкнено",
    "outage.disabled": "вимкнено",
    "outage.remind_usage": "Формат: /outage_remind <хвилини від 0 до 720> (0 — без нагадувань) або /outage_remind default",
    "outage.remind_done": "⏰ Нагадуватиму за {minutes} хв до відключення.",
    "outage.remind_off": "Нагадування перед відключеннями вимкнено.",
    "outage.chart_title": "Графік відключень",
    "outage.chart_on": "світло є",
    "outage.chart_off": "без світла",
    "outage.chart_maybe": "можливо",
    "outage.chart_unknown": "немає даних",
    "outage.chart_stale": "дані могли застаріти",
    "outage.chart_now": "зараз",
    "outage.chart_hours": "{hours} год",
    "outage.photo_caption": "🗓 Графік відключень на сьогодні й завтра",
    "help": (
        "Я пересилаю повітряні тривоги з публічних джерел (alerts.in.ua) у цей чат: одне "
        "повідомлення, коли тривога починається, і одне, коли закінчується. Якщо оголошено "
        "паузу в ударах, я додаю примітку, але тривога все одно діє.\n\n"
        "/subscribe <регіон> [kinds=air,artillery] — підписатися, напр. /subscribe Львів\n"
        "/regions [пошук] — області, райони, громади\n"
        "/unsubscribe <регіон|all> — відписатися\n"
        "/mysubs — мої підписки\n"
        "/status — тривоги в моїх регіонах зараз\n"
        "/truces — оголошені паузи в ударах\n"
        "/truce_report <назва> — що записали джерела тривог під час паузи\n"
        "/outage_group <регіон> <група> — стежити за графіком відключень, напр. /outage_group Львів 1.1\n"
        "/outage — графік відключень на сьогодні й завтра\n"
        "/outage_mute scheduled|emergency|all|none, /outage_remind <хв> — сповіщення про відключення\n"
        "/quiet 23:00-07:00|off — тихі години (повітряні тривоги лишаються зі звуком)\n"
        "/lang uk|en — мова"
    ),
    "help.admin": (
        "\n\nДля адміністраторів:\n"
        "/truce_set <назва> start=<час> [end=<час>] [regions=<р1,р2|all>] "
        "[scope=<energy|long-range|all>] [party=<хто оголосив>] [source=<посилання>]\n"
        "/truce_end <назва> [reason=<чому>]\n"
        "/feed_add <назва> <тип> <url> [interval=N] [token_env=ЗМІННА]\n"
        "/feed_list, /feed_remove <назва>, /feed_pause <назва>, /feed_resume <назва>, "
        "/feed_test <назва>\n"
        "/channel_link <регіон> <@канал|id>, /channel_unlink <регіон> <@канал|id>, /channels\n"
        "/stats — доставка: черга, надіслані, помилки"
    ),
    "subscribe.usage": "Вкажіть регіон: /subscribe <регіон>, напр. /subscribe Львів",
    "subscribe.done": "✅ Підписано: {region}. Я напишу, коли почнеться і закінчиться тривога.",
    "subscribe.already": "Ви вже підписані на {region}.",
    "subscribe.kinds": "Лише ці тривоги: {kinds}.",
    "subscribe.all_kinds": "Усі види тривог.",
    "subscribe.bad_kind": (
        "Не знаю виду тривоги «{kind}». Види: air, artillery, urban, chemical, nuclear, other "
        "або all, напр. /subscribe Львів kinds=air,artillery"
    ),
    "regions.top": "Області (назва або номер підходять для /subscribe):",
    "regions.matches": "Схожі на «{query}»:",
    "regions.more": "…і ще {count}",
    "regions.subscribe_hint": "Підписатися: /subscribe {id}",
    "subscribe.now_active": "Зараз там діє: {alerts}.",
    "region.unknown": "Не знаю регіону «{query}».",
    "region.too_long": "Назва регіону задовга (найбільша довжина — {limit}).",
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
    "status.truce": "⚠️ Діє оголошена пауза в ударах: «{name}» ({scope})",
    "lang.usage": "Мова: /lang uk або /lang en",
    "lang.done": "Мову змінено: українська.",
    "truces.none": "Жодної паузи в ударах не записано.",
    "truces.header": "Оголошені паузи в ударах (це оголошення, а не гарантія):",
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
    "truce_set.replaced": "✅ Заяву щодо паузи «{name}» оновлено ({party}): {window}.",
    "truce_set.reopened": " Паузу знову відкрито.",
    "truce_end.usage": "Формат: /truce_end <назва> [reason=<чому>]",
    "truces.disputed": "   ⚖️ сторони оголосили різні вікна",
    "truces.end_reason": "   причина завершення: {reason}",
    "count.alerts.one": "{count} тривога",
    "count.alerts.few": "{count} тривоги",
    "count.alerts.many": "{count} тривог",
    "count.alerts.other": "{count} тривоги",
    "count.places.one": "{count} регіон",
    "count.places.few": "{count} регіони",
    "count.places.many": "{count} регіонів",
    "count.places.other": "{count} регіону",
    "count.outages.one": "{count} екстрене відключення світла",
    "count.outages.few": "{count} екстрені відключення світла",
    "count.outages.many": "{count} екстрених відключень світла",
    "count.outages.other": "{count} екстреного відключення світла",
    "duration.hm": "{hours} год {minutes} хв",
    "duration.m": "{minutes} хв",
    "source.live": "власні записи бота",
    "source.official": "офіційні дані (набір даних Vadimkin, official)",
    "source.volunteer": "дані волонтерів (набір даних Vadimkin, volunteer)",
    "source.alerts_in_ua": "історія alerts.in.ua",
    "report.usage": "Формат: /truce_report <назва> [source=live|official|volunteer|alerts_in_ua]",
    "report.bad_source": "Невідоме джерело «{source}». Джерела: {sources}.",
    "report.header": "📊 Пауза «{name}» ({scope}; регіони: {regions}) — {status}",
    "report.disputed": "⚖️ Сторони оголосили різні вікна; нижче — кожне окремо.",
    "report.end_reason": "Завершено достроково: {reason}",
    "report.source": "Джерело: {source}.",
    "report.other_sources": "Є й інші джерела: {sources} (напр. /truce_report {name} source={first}). Їх не додаю: вони записують ті самі тривоги.",
    "report.disclaimer": "Це облік тривог у регіонах паузи, а не висновок: тривога не завжди означає удар.",
    "report.claim": "{party}: {window}",
    "report.not_started": "• вікно ще не почалося",
    "report.window": "• у вікні: {alerts}, {minutes} під тривогою",
    "report.baseline": "• стільки ж часу перед ним: {alerts}, {minutes} під тривогою",
    "report.ratio": "• співвідношення до часу перед паузою: {ratio}",
    "report.no_ratio": "• перед паузою тривог не було",
    "report.first": "• перша тривога — через {delay} після оголошеного початку",
    "report.no_first": "• у вікні тривог не було",
    "report.outages": "• у вікні: {outages}; перед ним: {baseline}",
    "report.places": "• за регіонами (у вікні / перед ним):",
    "report.place": "   {name}: {alerts} / {baseline}",
    "report.more": "   …і ще {places}",
    "report.chart_title": "Тривоги за годину: «{name}»",
    "report.chart_alerts": "тривог, що почалися за годину",
    "report.chart_baseline": "перед",
    "report.chart_after": "після",
    "report.chart_caption": "Тривоги за годину до, під час і після оголошеного вікна кожної сторони.",
    "truce_end.done": "Паузу «{name}» позначено завершеною.",
    "truce_end.unknown": "Паузи «{name}» немає в реєстрі. Перелік: /truces",
    "error.internal": "Вибачте, сталася помилка. Спробуйте ще раз трохи згодом.",
    "unknown_command": "Не знаю такої команди. Перелік команд: /help",
    "group.admins_only": "У групі підписки й мову змінюють лише її адміністратори.",
    "alert.combined": "🟢 Відбій {kind_gen}: {region}\nТривала з {start} до {end} ({duration}) і вже закінчилася.",
    "alert.channel_ended": "🟢 Відбій о {time}, тривала {lasted}",
    "channel.link_usage": "Формат: /channel_link <регіон> <@канал|id каналу>, напр. /channel_link Львів @lviv_alerts",
    "channel.unlink_usage": "Формат: /channel_unlink <регіон> <@канал|id каналу>",
    "channel.not_found": "Не бачу каналу {target}. Додайте бота до каналу адміністратором і спробуйте ще раз.",
    "channel.not_channel": "{target} — не канал. Група підписується сама: /subscribe <регіон> у групі.",
    "channel.not_admin": "Бот не адміністратор каналу {channel}. Додайте його адміністратором із правом публікувати повідомлення.",
    "channel.cannot_post": "Бот адміністратор каналу {channel}, але не може публікувати повідомлення. Увімкніть йому право «Публікувати повідомлення».",
    "channel.linked": "✅ Канал {channel} отримуватиме кожну тривогу для: {region}.",
    "channel.already": "Канал {channel} уже отримує тривоги для: {region}.",
    "channel.unlinked": "Канал {channel} більше не отримує тривог для: {region}.",
    "channel.not_linked": "Канал {channel} не прив'язано до: {region}.",
    "channels.none": "Жодного каналу не прив'язано. Додайте: /channel_link <регіон> <@канал>",
    "channels.header": "Регіональні канали:",
    "channels.item": "• {region} → {channel}",
    "channels.inactive": " (вимкнено: бот не може туди писати)",
    "stats.text": (
        "📊 Доставка\n"
        "Підписники: {subscribers}; регіональні канали: {channels}\n"
        "Вимкнені чати (заблокували чи видалили бота): {deactivated}\n"
        "Черга: {waiting}, з них про повітряну тривогу: {air_raid}\n"
        "Найстаріше недоставлене повідомлення про повітряну тривогу: {oldest}\n"
        "За останню годину: надіслано {sent}; помилки: {errors}"
    ),
    "stats.none": "немає",
    "stats.seconds": "{seconds} с",
    "coverage.lost": (
        "⚠️ Джерела тривог не відповідають уже кілька хвилин ({regions}). Я можу пропустити "
        "тривогу: стежте також за сиренами та офіційними каналами. Я напишу, коли зв'язок "
        "відновиться."
    ),
    "coverage.back": "✅ Джерела тривог знову відповідають ({regions}). Я знову стежу за тривогами.",
    "feed_add.usage": "Формат: /feed_add <назва> <тип> <url> [interval=N] [token_env=ЗМІННА]",
    "feed_add.done": "✅ Джерело «{name}» ({kind}) додано; опитування кожні {interval} с.",
    "feed.bad_option": "❌ Не розумію «{option}».",
    "feed.too_long": "❌ {what}: задовге значення (найбільша довжина — {limit}).",
    "feed.bad_kind": "невідомий тип «{kind}»; відомі: {kinds}",
    "feed.bad_interval": "interval: від 2 до 86400 секунд (доби)",
    "feed.bad_name": "назва: до 64 латинських літер, цифр і знаків -_.",
    "feed.bad_token_env": "token_env: назва змінної середовища (латинські літери, цифри, _)",
    "feed.token_env_not_allowed": "змінну {var} джерелам із чату не дозволено; дозволені (bot.chat_feed_token_envs у конфігурації): {allowed}",
    "feed.invalid": "джерело не годиться: {problem}",
    "url.malformed": "адреса має помилку; приклад: https://api.alerts.in.ua/v1/alerts/active.json",
    "feed.needs_token": "джерело типу {kind} потребує токена: token_env=ЗМІННА з токеном у середовищі бота",
    "url.scheme": "джерелом може бути лише адреса http:// або https://",
    "url.no_host": "в адресі немає хоста",
    "url.unresolvable": "не вдається знайти хост {host}",
    "url.internal": "{host} веде на внутрішню адресу ({address}); такі джерела вимкнено (allow_private_feeds)",
    "feed.exists": "джерело «{name}» уже є",
    "feed.over_budget": "так вийде запитів на хвилину до {host}: {per_minute}, а дозволено близько {limit}; потрібен interval щонайменше {minimum}",
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
    "err.time_range": "{key}: час «{value}» поза допустимими межами (від 2000 до 2100 року)",
    "err.end_before_start": "end має бути пізніше за start",
    "err.unknown_key": "невідомий параметр «{key}»",
    "err.not_key_value": "«{token}» — очікую ключ=значення",
    "err.bad_scope": "scope: має бути energy, long-range або all",
    "err.bad_region": "regions: не знаю регіону «{value}»",
    "err.quotes": "незакрита лапка",
    "err.duplicate_key": "параметр «{key}» указано двічі",
    "err.too_long": "{key}: задовге значення (найбільша довжина — {limit})",
    # --- the public ledger on the web (bot/web/ledger_page.py) ---
    "web.title": "Журнал оголошених пауз в ударах",
    "web.intro": (
        "Для кожної оголошеної паузи в ударах і вікна кожної сторони: скільки тривог записано в "
        "регіонах паузи і скільки хвилин вони тривали, порівняно з таким самим проміжком перед нею."
    ),
    "web.generated": "Станом на {time} (за Києвом).",
    "web.other_language": "English",
    "web.data": "Дані",
    "web.feed": "Стрічка змін (Atom)",
    "web.all_truces": "Усі паузи",
    "web.status": "Стан: {status}",
    "web.scope": "Удари: {scope}",
    "web.regions": "Регіони: {regions}",
    "web.disputed": "сторони оголосили різні вікна",
    "web.claim": "Оголосив(ла): {party}",
    "web.claim_window": "Оголошене вікно: {window}",
    "web.claim_source": "Джерело оголошення: ",
    "web.counted": "Враховано: {source}.",
    "web.other_sources": "Інші джерела (їх не додаю до цього: вони записують ті самі тривоги): ",
    "web.col_span": "Проміжок",
    "web.col_alerts": "Тривог",
    "web.col_minutes": "Хвилин під тривогою",
    "web.col_outages": "Аварійних відключень",
    "web.row_window": "Оголошене вікно",
    "web.row_baseline": "Стільки ж часу перед ним",
    "web.ratio": "Співвідношення до часу перед паузою: {ratio}.",
    "web.no_ratio": "Перед паузою тривог не було: співвідношення немає.",
    "web.first": "Перша тривога — через {delay} після оголошеного початку.",
    "web.no_first": "У вікні тривог не було.",
    "web.not_started": "Вікно ще не почалося.",
    "web.places": "За регіонами",
    "web.col_place": "Регіон",
    "web.col_window_alerts": "У вікні: тривог",
    "web.col_window_minutes": "У вікні: хвилин",
    "web.col_baseline_alerts": "Перед: тривог",
    "web.col_baseline_minutes": "Перед: хвилин",
    "web.chart_alt": "Графік тривог за годину до, під час і після вікон паузи «{name}»",
    "web.not_found_title": "Не знайдено",
    "web.not_found": "Паузи «{name}» немає в журналі.",
    "web.bad_source_title": "Невідоме джерело",
    "web.atom_announced": "«{name}»: {party} — оголошено паузу в ударах, {window}",
    "web.atom_in_force": "«{name}»: почалося оголошене вікно ({party})",
    "web.atom_expired": "«{name}»: оголошені вікна скінчилися",
    "web.atom_ended": "«{name}»: паузу завершено достроково",
    "web.atom_reason": "Причина: {reason}",
}

EN: dict[str, str] = {
    "kind.air_raid": "Air-raid alert",
    "kind.air_raid_partial": "Air-raid alert in part of the oblast",
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
    "status.expired": "over: the announced windows have passed",
    "status.ended_early": "ended early",
    # --- alert messages (issue 16) ---
    "alert.start": "🔴 {kind}: {region}\nStarted at {time}",
    "alert.end": "🟢 All clear, {kind_gen}: {region}\nEnded at {time}{lasted}",
    "alert.lasted": ", lasted {duration}",
    "alert.update": "🔄 {kind}: {region}\nThe threat changed at {time}",
    "alert.level": "Threat level: {level}",
    "alert.threat_level": "Threat: {threat} · level {level}",
    "kind_gen.air_raid": "air-raid alert",
    "kind_gen.air_raid_partial": "air-raid alert in part of the oblast",
    "kind_gen.artillery": "artillery shelling threat",
    "kind_gen.urban_fights": "urban fighting threat",
    "kind_gen.chemical": "chemical threat",
    "kind_gen.nuclear": "radiation threat",
    "kind_gen.other": "alert",
    "action.air_raid": "Go to a shelter!",
    "action.air_raid_partial": "Go to a shelter if you are in the alert zone!",
    "action.artillery": "Shelling threat: take shelter, away from windows!",
    "action.urban_fights": "Stay in shelter, do not go outside!",
    "action.chemical": "Close windows and doors, stay indoors!",
    "action.nuclear": "Stay indoors, close windows and doors!",
    "action.other": "Stay alert; take shelter if needed.",
    "action.threat.ballistic_missiles": "Ballistic threat: take shelter now!",
    "action.threat.drones": "Go to a shelter! Keep away from windows (two-wall rule).",
    "action.threat.guided_aerial_bombs": "Guided bomb threat: take shelter now!",
    "duration.h": "{hours} h",
    "region.accusative_fallback": "the region “{region}”",
    "truce.party_unspecified": "party not given",
    "stats.chats.one": "{count} chat",
    "stats.chats.few": "{count} chats",
    "stats.chats.many": "{count} chats",
    "stats.chats.other": "{count} chats",
    "stats.messages.one": "{count} message",
    "stats.messages.few": "{count} messages",
    "stats.messages.many": "{count} messages",
    "stats.messages.other": "{count} messages",
    "outage.hours_total": "{hours} h without power in all",
    # --- end of the issue 16 alert texts ---
    # --- quiet hours (issue 16) ---
    "quiet.usage": (
        "Quiet hours: /quiet 23:00-07:00 (Kyiv time) — messages come without sound then; "
        "/quiet off — turn off. Air-raid alerts in your regions keep their sound."
    ),
    "quiet.none": "No quiet hours set.",
    "quiet.state": "🌙 Quiet hours: from {start} to {end}.",
    "quiet.done": "🌙 Quiet hours: from {start} to {end}. Messages will come without sound then.",
    "quiet.off": "Quiet hours off: every message has sound again.",
    "quiet.alerts_loud": "Air-raid alerts in your regions keep their sound at night too.",
    "quiet.alerts_silent": (
        "⚠️ Air-raid alerts come without sound in quiet hours too. To restore the sound: "
        "/quiet_alerts loud"
    ),
    "quiet_alerts.usage": (
        "/quiet_alerts loud — air-raid alerts always with sound (the default); "
        "/quiet_alerts silent — without sound in quiet hours"
    ),
    "quiet_alerts.confirm": (
        "⚠️ Then you may not hear an air-raid alert at night. If you are sure, send: "
        "/quiet_alerts silent confirm"
    ),
    "quiet_alerts.silent": "Done: air-raid alerts will come without sound in quiet hours. To restore the sound: /quiet_alerts loud",
    "quiet_alerts.loud": "🔔 Air-raid alerts in your regions will always come with sound.",
    # --- end of quiet hours ---
    "alert.parts": "{oblast}: {scope}",
    "scope.count": "{active} of {total} {raions} under alert",
    "scope.count_named": "{active} of {total} {raions} under alert: {names}",
    "scope.places": "under alert: {names}",
    "scope.also": "{names}; also {others}",
    "scope.more": "{names} and {count} more",
    "raions_after_of.one": "raion",
    "raions_after_of.few": "raions",
    "raions_after_of.many": "raions",
    "alert.still_over": "⚠️ The alert goes on: {regions}",
    "alert.still_parts": "⚠️ {oblast}: still {scope}",
    "alert.still_partial": "⚠️ Still on: {kind_lower}, {oblast}",
    "alert.oblast_clear": "🟢 {oblast}: no alerts any more",
    "status.parts": "🟠 {region}: {kind_lower} in part of the region, {scope}",
    "level.red": "🔴 red",
    "level.yellow": "🟡 yellow",
    "threat.drones": "attack drones",
    "threat.ballistic_missiles": "ballistic missiles",
    "threat.cruise_missiles": "cruise missiles",
    "threat.unspecified_missiles": "missiles",
    "threat.guided_aerial_bombs": "guided aerial bombs",
    "threat.tactic_aircraft_activity": "tactical aircraft activity",
    "threat.strategic_aircraft_activity": "strategic aircraft activity",
    "threat.mig31k_departure": "MiG-31K take-off",
    "threat.air_defense": "air defence at work",
    "alert.part": "This alert covers part of {oblast}",
    "alert.threat": "Threat type: {threat}",
    "truce.note": "⚠️ Strike pause “{name}” announced ({scope}; {parties}) — not a guarantee; /truces",
    "truce.note_end": "ℹ️ During the announced strike pause “{name}” ({scope}; {parties}); /truces",
    "truce.window": "from {start} to {end}",
    "truce.window_open": "from {start}, with no announced end",
    "truce.party_end": "{party}, until {end}",
    "truce.party_open": "{party}, no end given",
    "outage.group_usage": (
        "Form: /outage_group <region> <group>, e.g. /outage_group Lviv 1.1\n"
        "You can follow several groups. To stop: /outage_group <region> <group> off "
        "or /outage_ungroup <region> <group>|all"
    ),
    "outage.ungroup_usage": "Form: /outage_ungroup <region> <group> or /outage_ungroup all",
    "outage.no_source": "There is no outage schedule source for {region}. Schedules exist for: {regions}.",
    "outage.no_sources": "The bot reads no outage schedule source yet.",
    "outage.bad_group": "{region} has no group “{group}”. Groups: {groups}.",
    "outage.followed": "✅ You follow group {group} ({region}). I will write when its schedule is published or changed, before an outage and when power is due back.",
    "outage.already": "You already follow group {group} ({region}).",
    "outage.unfollowed": "No longer following group {group} ({region}).",
    "outage.unfollowed_all": "Stopped following all groups ({count}).",
    "outage.not_following": "You were not following group {group} ({region}).",
    "outage.none": "You follow no group. Add one: /outage_group <region> <group>, e.g. /outage_group Lviv 1.1",
    "outage.header": "🗓 {region}, group {group}",
    "outage.today": "Today, {date}",
    "outage.tomorrow": "Tomorrow, {date}",
    "outage.off": "no power {spans}",
    "outage.maybe": "possible outages {spans}",
    "outage.all_on": "power all day",
    "outage.hours_off": "{hours} h without power",
    "outage.no_schedule": "no schedule yet",
    "outage.planned_only": "no schedule yet; the weekly template has possible outages {spans}",
    "outage.waiting": "the schedule may still change",
    "outage.emergency_mode": "schedule suspended: emergency outages",
    "outage.stale": "⚠️ This may be out of date: last good update at {time}.",
    "outage.stale_never": "⚠️ The schedule source has not answered properly yet.",
    "outage.emergency_now": "🚨 Emergency outages now: {count}",
    "outage.published": "🗓 Outage schedule published: {region}, group {group}",
    "outage.changed": "🔄 Outage schedule changed: {region}, group {group}",
    "outage.before": "Before: {schedule}",
    "outage.diff": "What changed: {changes}",
    "outage.diff_off": "{span} now without power",
    "outage.diff_on": "{span} now with power",
    "outage.diff_maybe": "{span} now a possible outage",
    "outage.reminder": "⏰ In {minutes} min the power goes off as scheduled: {region}, group {group} — from {start} to {end}.",
    "outage.back": "💡 Power is due back at {time} as scheduled: {region}, group {group}.",
    "outage.next": "Next outage: {span}.",
    "outage.emergency_start": "🚨 Emergency outage: {region}",
    "outage.emergency_update": "🔄 Emergency outage: {region}",
    "outage.emergency_end": "✅ Emergency outage over: {region}",
    "outage.emergency_since": "Since {time}",
    "outage.emergency_until": "Expected restoration at {time}",
    "outage.emergency_group": "Group {group}",
    "outage.emergency_general": "Outage schedules are suspended: emergency outages apply.",
    "outage.truce_note": "⚠️ Strike pause “{name}” announced ({scope}; {parties}) — not a guarantee; /truces",
    "outage.news": "📰 {title}",
    "outage.cap": "📢 {title}",
    "outage.cap_cancel": "📢 Cancelled: {title}",
    "outage.cap_severity": "Severity: {severity}",
    "outage.mute_usage": (
        "Form: /outage_mute scheduled|emergency|all|none\n"
        "scheduled — no schedule messages, reminders or power-back notices; "
        "emergency — no emergency outages; all — nothing; none — everything on."
    ),
    "outage.mute_state": "Outage notifications: scheduled — {scheduled}; emergency — {emergency}.",
    "outage.enabled": "on",
    "outage.disabled": "off",
    "outage.remind_usage": "Form: /outage_remind <minutes, 0 to 720> (0: no reminders) or /outage_remind default",
    "outage.remind_done": "⏰ I will remind you {minutes} min before an outage.",
    "outage.remind_off": "Reminders before outages are off.",
    "outage.chart_title": "Outage schedule",
    "outage.chart_on": "power",
    "outage.chart_off": "no power",
    "outage.chart_maybe": "maybe",
    "outage.chart_unknown": "no data",
    "outage.chart_stale": "may be out of date",
    "outage.chart_now": "now",
    "outage.chart_hours": "{hours} h",
    "outage.photo_caption": "🗓 Outage schedule for today and tomorrow",
    "help": (
        "I relay air-raid alerts from public sources (alerts.in.ua) to this chat: one message "
        "when an alert starts and one when it ends. If a strike pause has been announced I add a "
        "note, but the alert still stands.\n\n"
        "/subscribe <region> [kinds=air,artillery] — subscribe, e.g. /subscribe Lviv\n"
        "/regions [search] — oblasts, raions, hromadas\n"
        "/unsubscribe <region|all> — unsubscribe\n"
        "/mysubs — my subscriptions\n"
        "/status — alerts in my regions now\n"
        "/truces — announced strike pauses\n"
        "/truce_report <name> — what the alert records show during a pause\n"
        "/outage_group <region> <group> — follow an outage schedule, e.g. /outage_group Lviv 1.1\n"
        "/outage — outage schedule for today and tomorrow\n"
        "/outage_mute scheduled|emergency|all|none, /outage_remind <min> — outage notifications\n"
        "/quiet 23:00-07:00|off — quiet hours (air-raid alerts keep their sound)\n"
        "/lang uk|en — language"
    ),
    "help.admin": (
        "\n\nFor admins:\n"
        "/truce_set <name> start=<time> [end=<time>] [regions=<r1,r2|all>] "
        "[scope=<energy|long-range|all>] [party=<who announced>] [source=<url>]\n"
        "/truce_end <name> [reason=<why>]\n"
        "/feed_add <name> <kind> <url> [interval=N] [token_env=VAR]\n"
        "/feed_list, /feed_remove <name>, /feed_pause <name>, /feed_resume <name>, "
        "/feed_test <name>\n"
        "/channel_link <region> <@channel|id>, /channel_unlink <region> <@channel|id>, /channels\n"
        "/stats — delivery: queue, sends, errors"
    ),
    "subscribe.usage": "Name a region: /subscribe <region>, e.g. /subscribe Lviv",
    "subscribe.done": "✅ Subscribed: {region}. I will write when an alert starts and ends.",
    "subscribe.already": "You are already subscribed to {region}.",
    "subscribe.kinds": "Only these alerts: {kinds}.",
    "subscribe.all_kinds": "Every kind of alert.",
    "subscribe.bad_kind": (
        "I don't know the alert kind “{kind}”. Kinds: air, artillery, urban, chemical, nuclear, "
        "other or all, e.g. /subscribe Lviv kinds=air,artillery"
    ),
    "regions.top": "Oblasts (the name or the number works with /subscribe):",
    "regions.matches": "Close to “{query}”:",
    "regions.more": "…and {count} more",
    "regions.subscribe_hint": "Subscribe: /subscribe {id}",
    "subscribe.now_active": "Active there now: {alerts}.",
    "region.unknown": "I don't know the region “{query}”.",
    "region.too_long": "The region name is too long ({limit} characters at most).",
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
    "truce_end.usage": "Form: /truce_end <name> [reason=<why>]",
    "truces.disputed": "   ⚖️ the parties announced different windows",
    "truces.end_reason": "   why it ended: {reason}",
    "count.alerts.one": "{count} alert",
    "count.alerts.few": "{count} alerts",
    "count.alerts.many": "{count} alerts",
    "count.alerts.other": "{count} alerts",
    "count.places.one": "{count} region",
    "count.places.few": "{count} regions",
    "count.places.many": "{count} regions",
    "count.places.other": "{count} regions",
    "count.outages.one": "{count} emergency power outage",
    "count.outages.few": "{count} emergency power outages",
    "count.outages.many": "{count} emergency power outages",
    "count.outages.other": "{count} emergency power outages",
    "duration.hm": "{hours} h {minutes} min",
    "duration.m": "{minutes} min",
    "source.live": "the bot's own records",
    "source.official": "official data (Vadimkin dataset, official)",
    "source.volunteer": "volunteers' data (Vadimkin dataset, volunteer)",
    "source.alerts_in_ua": "alerts.in.ua history",
    "report.usage": "Form: /truce_report <name> [source=live|official|volunteer|alerts_in_ua]",
    "report.bad_source": "Unknown source “{source}”. Sources: {sources}.",
    "report.header": "📊 Pause “{name}” ({scope}; regions: {regions}) — {status}",
    "report.disputed": "⚖️ The parties announced different windows; each is shown below.",
    "report.end_reason": "Ended early: {reason}",
    "report.source": "Source: {source}.",
    "report.other_sources": "Other sources hold data too: {sources} (e.g. /truce_report {name} source={first}). They are not added in: they record the same alerts.",
    "report.disclaimer": "This counts alerts in the pause's regions; it is not a verdict: an alert is not always a strike.",
    "report.claim": "{party}: {window}",
    "report.not_started": "• the window has not begun",
    "report.window": "• in the window: {alerts}, {minutes} under alert",
    "report.baseline": "• the same time just before: {alerts}, {minutes} under alert",
    "report.ratio": "• ratio to the time before the pause: {ratio}",
    "report.no_ratio": "• no alerts in the time before the pause",
    "report.first": "• first alert {delay} after the announced start",
    "report.no_first": "• no alert in the window",
    "report.outages": "• in the window: {outages}; before it: {baseline}",
    "report.places": "• by region (in the window / before it):",
    "report.place": "   {name}: {alerts} / {baseline}",
    "report.more": "   …plus {places}",
    "report.chart_title": "Alerts per hour: “{name}”",
    "report.chart_alerts": "alerts started per hour",
    "report.chart_baseline": "before",
    "report.chart_after": "after",
    "report.chart_caption": "Alerts per hour before, during and after each party's announced window.",
    "truce_end.done": "Strike pause “{name}” marked as ended.",
    "truce_end.unknown": "No strike pause “{name}” on record. See /truces",
    "error.internal": "Sorry, something went wrong. Please try again in a moment.",
    "unknown_command": "I don't know that command. The list: /help",
    "group.admins_only": "In a group only its admins change subscriptions and the language.",
    "alert.combined": "🟢 All clear, {kind_gen}: {region}\nLasted from {start} to {end} ({duration}) and is over.",
    "alert.channel_ended": "🟢 All clear at {time}, lasted {lasted}",
    "channel.link_usage": "Form: /channel_link <region> <@channel|channel id>, e.g. /channel_link Lviv @lviv_alerts",
    "channel.unlink_usage": "Form: /channel_unlink <region> <@channel|channel id>",
    "channel.not_found": "I can't see the channel {target}. Add the bot to the channel as an admin and try again.",
    "channel.not_channel": "{target} is not a channel. A group subscribes itself: /subscribe <region> in the group.",
    "channel.not_admin": "The bot is not an admin of the channel {channel}. Make it an admin allowed to post messages.",
    "channel.cannot_post": "The bot is an admin of the channel {channel} but may not post messages. Give it the “Post messages” right.",
    "channel.linked": "✅ The channel {channel} will get every alert for: {region}.",
    "channel.already": "The channel {channel} already gets the alerts for: {region}.",
    "channel.unlinked": "The channel {channel} no longer gets the alerts for: {region}.",
    "channel.not_linked": "The channel {channel} is not linked to: {region}.",
    "channels.none": "No channel is linked. Add one: /channel_link <region> <@channel>",
    "channels.header": "Regional channels:",
    "channels.item": "• {region} → {channel}",
    "channels.inactive": " (off: the bot cannot post there)",
    "stats.text": (
        "📊 Delivery\n"
        "Subscribers: {subscribers}; regional channels: {channels}\n"
        "Chats switched off (blocked or removed the bot): {deactivated}\n"
        "Queue: {waiting}, {air_raid} of them about air raids\n"
        "Oldest undelivered air-raid message: {oldest}\n"
        "Last hour: sent {sent}; errors: {errors}"
    ),
    "stats.none": "none",
    "stats.seconds": "{seconds} s",
    "coverage.lost": (
        "⚠️ The alert sources have not answered for several minutes ({regions}). I may miss an "
        "alert: listen for sirens and watch official channels too. I will write when they are "
        "back."
    ),
    "coverage.back": "✅ The alert sources answer again ({regions}). I am watching for alerts again.",
    "feed_add.usage": "Form: /feed_add <name> <kind> <url> [interval=N] [token_env=VAR]",
    "feed_add.done": "✅ Feed “{name}” ({kind}) added; polled every {interval} s.",
    "feed.bad_option": "❌ I don't understand “{option}”.",
    "feed.too_long": "❌ {what}: value too long ({limit} characters at most).",
    "feed.bad_kind": "unknown kind “{kind}”; known: {kinds}",
    "feed.bad_interval": "interval: from 2 to 86400 seconds (a day)",
    "feed.bad_name": "name: up to 64 Latin letters, digits and -_.",
    "feed.bad_token_env": "token_env: an environment variable's name (Latin letters, digits, _)",
    "feed.token_env_not_allowed": "feeds added in the chat may not use {var}; allowed (bot.chat_feed_token_envs in the config): {allowed}",
    "feed.invalid": "the feed cannot be used: {problem}",
    "url.malformed": "the address is malformed; for example: https://api.alerts.in.ua/v1/alerts/active.json",
    "feed.needs_token": "a {kind} feed needs a token: token_env=VAR naming a variable in the bot's environment",
    "url.scheme": "only http:// and https:// addresses can be feeds",
    "url.no_host": "the address has no host",
    "url.unresolvable": "cannot resolve the host {host}",
    "url.internal": "{host} points to an internal address ({address}); such feeds are off (allow_private_feeds)",
    "feed.exists": "a feed named “{name}” already exists",
    "feed.over_budget": "that makes {per_minute} requests a minute to {host}, and about {limit} are allowed; use interval={minimum} or more",
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
    "err.time_range": "{key}: the time “{value}” is outside the accepted range (2000 to 2100)",
    "err.end_before_start": "end must be later than start",
    "err.unknown_key": "unknown parameter “{key}”",
    "err.not_key_value": "“{token}” — expected key=value",
    "err.bad_scope": "scope: must be energy, long-range or all",
    "err.bad_region": "regions: unknown region “{value}”",
    "err.quotes": "unclosed quote",
    "err.duplicate_key": "parameter “{key}” given twice",
    "err.too_long": "{key}: value too long ({limit} characters at most)",
    # --- the public ledger on the web (bot/web/ledger_page.py) ---
    "web.title": "Ledger of announced strike pauses",
    "web.intro": (
        "For each announced pause of strikes and each party's window: how many alerts were "
        "recorded in the pause's regions and how many minutes they lasted, measured against a "
        "span of the same length just before it."
    ),
    "web.generated": "As of {time} (Kyiv time).",
    "web.other_language": "Українською",
    "web.data": "Data",
    "web.feed": "Feed of changes (Atom)",
    "web.all_truces": "All pauses",
    "web.status": "Status: {status}",
    "web.scope": "Strikes: {scope}",
    "web.regions": "Regions: {regions}",
    "web.disputed": "the parties announced different windows",
    "web.claim": "Announced by: {party}",
    "web.claim_window": "Announced window: {window}",
    "web.claim_source": "Source of the announcement: ",
    "web.counted": "Counted: {source}.",
    "web.other_sources": "Other sources (not added to this one: they record the same alerts): ",
    "web.col_span": "Span",
    "web.col_alerts": "Alerts",
    "web.col_minutes": "Alert-minutes",
    "web.col_outages": "Emergency outages",
    "web.row_window": "Announced window",
    "web.row_baseline": "As long just before it",
    "web.ratio": "Ratio to the time before the pause: {ratio}.",
    "web.no_ratio": "No alerts before the pause: no ratio.",
    "web.first": "First alert {delay} after the announced start.",
    "web.no_first": "No alerts in the window.",
    "web.not_started": "The window has not started yet.",
    "web.places": "By region",
    "web.col_place": "Region",
    "web.col_window_alerts": "Window: alerts",
    "web.col_window_minutes": "Window: minutes",
    "web.col_baseline_alerts": "Before: alerts",
    "web.col_baseline_minutes": "Before: minutes",
    "web.chart_alt": "Chart of alerts per hour before, during and after the windows of “{name}”",
    "web.not_found_title": "Not found",
    "web.not_found": "There is no pause “{name}” in the ledger.",
    "web.bad_source_title": "Unknown source",
    "web.atom_announced": "“{name}”: {party} — a pause of strikes announced, {window}",
    "web.atom_in_force": "“{name}”: the announced window began ({party})",
    "web.atom_expired": "“{name}”: the announced windows are over",
    "web.atom_ended": "“{name}”: the pause was ended early",
    "web.atom_reason": "Reason: {reason}",
}

# --- truce window notices, the alert note's time since the start, truces from a feed ---
UK.update(
    {
        "truce_notice.opened": (
            "🕊 Оголошено початок паузи в ударах «{name}» (оголосив: {party}), {until}.\n"
            "Охоплює: {scope}; {regions}.\n"
            "Тривоги все одно можуть бути — бот повідомить про кожну."
        ),
        "truce_notice.closed": (
            "⏱ Оголошене вікно паузи в ударах «{name}» (оголосив: {party}) закінчилося "
            "{at}.\nБот і далі повідомляє про кожну тривогу."
        ),
        "truce_notice.ended": (
            "⏹ Паузу в ударах «{name}» завершено достроково {at} (вікно, оголошене: "
            "{party}).\nБот і далі повідомляє про кожну тривогу."
        ),
        "truce_notice.reason": "Причина: {reason}",
        "truce_notice.until": "до {end}",
        "truce_notice.no_end": "без оголошеного кінця",
        "truce_notice.everywhere": "уся Україна",
        "truce_notices.usage": "Формат: /truce_notices on|off",
        "truce_notices.state_on": "Сповіщення про початок і кінець пауз в ударах увімкнено.",
        "truce_notices.state_off": "Сповіщення про початок і кінець пауз в ударах вимкнено.",
        "truce_notices.on": "✅ Сповіщатиму про початок і кінець оголошених пауз в ударах.",
        "truce_notices.off": "🔕 Більше не сповіщатиму про початок і кінець пауз в ударах.",
        "truce.elapsed_first": "Перша тривога в регіоні за {elapsed} від оголошеного початку.",
        "truce.elapsed": "Тривога через {elapsed} від оголошеного початку.",
        "truce.elapsed_party": "{party}: {text}",
        "truce_feed.refused": (
            "Пауза «{name}» надходить із джерела «{feed}» і в чаті не змінюється. "
            "Можна додати власне вікно іншої сторони: party=…"
        ),
    }
)
EN.update(
    {
        "truce_notice.opened": (
            '🕊 A pause of strikes "{name}" is announced to begin now (announced by {party}), '
            "{until}.\nCovers: {scope}; {regions}.\n"
            "Alerts may still come — the bot will report every one."
        ),
        "truce_notice.closed": (
            '⏱ The announced window of the pause of strikes "{name}" (announced by {party}) '
            "ended {at}.\nThe bot goes on reporting every alert."
        ),
        "truce_notice.ended": (
            '⏹ The pause of strikes "{name}" was ended early {at} (the window announced by '
            "{party}).\nThe bot goes on reporting every alert."
        ),
        "truce_notice.reason": "Why: {reason}",
        "truce_notice.until": "until {end}",
        "truce_notice.no_end": "with no announced end",
        "truce_notice.everywhere": "all of Ukraine",
        "truce_notices.usage": "Usage: /truce_notices on|off",
        "truce_notices.state_on": "Notices of strike pauses beginning and ending are on.",
        "truce_notices.state_off": "Notices of strike pauses beginning and ending are off.",
        "truce_notices.on": "✅ I will tell you when announced strike pauses begin and end.",
        "truce_notices.off": "🔕 I will no longer tell you when strike pauses begin and end.",
        "truce.elapsed_first": "The first alert in the region {elapsed} after the announced start.",
        "truce.elapsed": "An alert {elapsed} after the announced start.",
        "truce.elapsed_party": "{party}: {text}",
        "truce_feed.refused": (
            'The pause "{name}" comes from the feed "{feed}" and cannot be changed from the '
            "chat. You can add your own window for another party: party=…"
        ),
    }
)

# --- one message for several places of an oblast (issue 16, storage/alert_groups.py) -----
# "{prep}" is group.in_after_vowel after a vowel, else group.in_after_consonant
# (милозвучність: "тривога в 3 районах", "боїв у 3 районах").
UK.update(
    {
        "group.start": "🔴 {kind} {prep} {where}\nПочаток о {time}",
        "group.end": "🟢 Відбій {kind_gen} {prep} {where}\nКінець о {time}{lasted}",
        "group.in_after_vowel": "в",
        "group.in_after_consonant": "у",
        "group.raions.one": "{count} районі {oblast}: {names}",
        "group.raions.few": "{count} районах {oblast}: {names}",
        "group.raions.many": "{count} районах {oblast}: {names}",
        "group.places.one": "{count} місці {oblast}: {names}",
        "group.places.few": "{count} місцях {oblast}: {names}",
        "group.places.many": "{count} місцях {oblast}: {names}",
        "region.genitive_fallback": "регіону «{region}»",
    }
)
EN.update(
    {
        "group.start": "🔴 {kind} {prep} {where}\nStarted at {time}",
        "group.end": "🟢 All clear, {kind_gen} {prep} {where}\nEnded at {time}{lasted}",
        "group.in_after_vowel": "in",
        "group.in_after_consonant": "in",
        "group.raions.one": "{count} raion of {oblast}: {names}",
        "group.raions.few": "{count} raions of {oblast}: {names}",
        "group.raions.many": "{count} raions of {oblast}: {names}",
        "group.places.one": "{count} place of {oblast}: {names}",
        "group.places.few": "{count} places of {oblast}: {names}",
        "group.places.many": "{count} places of {oblast}: {names}",
        "region.genitive_fallback": "{region}",
    }
)
# --- end of the grouped alert texts ---

# --- Buttons, onboarding, settings and the command menu (issue 16, items 2-3) -------------
# One block of its own: the inline keyboards' texts and the setMyCommands descriptions.
# Callback answers (ui.stale, ui.admins_only, ...) are shown by Telegram in a toast of at
# most 200 characters.
UK_BUTTONS: dict[str, str] = {
    "ui.start": (
        "Вітаю! Я повідомляю про повітряні тривоги та відключення світла у вашому регіоні.\n"
        "Оберіть регіон — і я напишу, щойно тривога почнеться й закінчиться."
    ),
    "ui.btn.pick_region": "📍 Обрати регіон",
    "ui.btn.outage": "💡 Група відключень",
    "ui.btn.language": "🌐 Мова / Language",
    "ui.btn.settings": "⚙️ Налаштування",
    "ui.btn.back": "⬅️ Назад",
    "ui.btn.subscribe": "✅ Підписатися",
    "ui.btn.parts": "🔎 Райони й громади",
    "ui.btn.whole_oblast": "✅ Уся область",
    "ui.btn.whole_raion": "✅ Увесь район",
    "ui.btn.whole_city": "✅ Усе місто",
    "ui.btn.whole": "✅ Увесь регіон",
    "ui.btn.city": "{city} (громада)",
    "ui.btn.kinds": "⚙️ Види тривог",
    "ui.btn.all_kinds": "Усі види",
    "ui.btn.to_subs": "⬅️ До підписок",
    "ui.btn.add": "➕ Додати регіон",
    "ui.btn.remind": "⏰ За {minutes} хв",
    "ui.btn.remind_off": "🔕 Без нагадувань",
    "ui.btn.quiet": "🌙 Тихі години",
    "ui.btn.lang_uk": "🇺🇦 Українська",
    "ui.btn.lang_en": "🇬🇧 English",
    "ui.pick.oblast": "Оберіть область. Або напишіть назву: /subscribe <регіон>, напр. /subscribe Самбір",
    "ui.pick.region": "{region}\nПідпишіться на весь регіон або оберіть його частину:",
    "ui.ambiguous": (
        "«{query}» — це і місто, і область. На що підписатися?\n"
        "• {city} (громада) — лише тривоги, оголошені для міста та його громади.\n"
        "• {oblast} — тривоги в усій області, у кожному районі й громаді."
    ),
    "ui.offer": "Знайшов: {region}. Підписатися на тривоги тут?",
    "ui.suggest": "Не знаю регіону «{query}». Можливо, ви мали на увазі один із цих?",
    "ui.chat_hint": (
        "Напишіть назву області, міста чи громади (напр. «Самбір») — я запропоную підписку. "
        "Усі команди: /help"
    ),
    "ui.stale": "Ця кнопка вже не діє. Відкрийте меню знову: /start",
    "ui.admins_only": "Змінювати налаштування групи можуть лише її адміністратори.",
    "ui.gone": "Цієї підписки вже немає.",
    "ui.saved": "Збережено ✓",
    "ui.mysubs": "Ваші підписки. ❌ — відписатися, ⚙️ — обрати види тривог.\n{items}",
    "ui.kinds": "{region}: які тривоги надсилати? ✓ — надсилаю.",
    "ui.kinds.need_one": "Залиште хоча б один вид тривог або відпишіться кнопкою ❌.",
    "ui.lang.choose": "Оберіть мову / Choose a language:",
    "ui.settings": "⚙️ Налаштування\nМова: {lang}\nНагадування перед відключенням: {remind}",
    "ui.remind.off": "вимкнено",
    "ui.remind.minutes": "за {minutes} хв",
    "ui.lang.uk": "українська",
    "ui.lang.en": "англійська",
    "ui.quiet_hint": (
        "Тихі години: /quiet 23:00-07:00 — уночі повідомлення приходитимуть без звуку, "
        "крім повітряних тривог у ваших регіонах."
    ),
    "menu.subscribe": "Підписатися на регіон",
    "menu.unsubscribe": "Відписатися",
    "menu.mysubs": "Мої підписки",
    "menu.status": "Тривоги в моїх регіонах зараз",
    "menu.settings": "Налаштування: мова, нагадування",
    "menu.truces": "Оголошені паузи в ударах",
    "menu.truce_notices": "Повідомлення про початок і кінець пауз",
    "menu.quiet": "Тихі години: без звуку вночі",
    "menu.regions": "Області, райони, громади",
    "menu.outage": "Графік відключень світла",
    "menu.outage_group": "Стежити за групою відключень",
    "menu.lang": "Мова",
    "menu.help": "Допомога й усі команди",
    "menu.truce_set": "Записати оголошену паузу (адмін)",
    "menu.truce_end": "Завершити паузу (адмін)",
    "menu.truce_report": "Що було під час паузи",
    "menu.feed_list": "Джерела тривог (адмін)",
    "menu.channels": "Регіональні канали (адмін)",
    "menu.stats": "Доставка: черга, помилки (адмін)",
}

EN_BUTTONS: dict[str, str] = {
    "ui.start": (
        "Hello! I report air-raid alerts and power outages in your region.\n"
        "Choose a region and I will write as soon as an alert starts and ends."
    ),
    "ui.btn.pick_region": "📍 Choose a region",
    "ui.btn.outage": "💡 Outage group",
    "ui.btn.language": "🌐 Мова / Language",
    "ui.btn.settings": "⚙️ Settings",
    "ui.btn.back": "⬅️ Back",
    "ui.btn.subscribe": "✅ Subscribe",
    "ui.btn.parts": "🔎 Raions and hromadas",
    "ui.btn.whole_oblast": "✅ The whole oblast",
    "ui.btn.whole_raion": "✅ The whole raion",
    "ui.btn.whole_city": "✅ The whole city",
    "ui.btn.whole": "✅ The whole region",
    "ui.btn.city": "{city} (hromada)",
    "ui.btn.kinds": "⚙️ Alert kinds",
    "ui.btn.all_kinds": "All kinds",
    "ui.btn.to_subs": "⬅️ To subscriptions",
    "ui.btn.add": "➕ Add a region",
    "ui.btn.remind": "⏰ {minutes} min before",
    "ui.btn.remind_off": "🔕 No reminders",
    "ui.btn.quiet": "🌙 Quiet hours",
    "ui.btn.lang_uk": "🇺🇦 Українська",
    "ui.btn.lang_en": "🇬🇧 English",
    "ui.pick.oblast": "Choose an oblast. Or type a name: /subscribe <region>, e.g. /subscribe Sambir",
    "ui.pick.region": "{region}\nSubscribe to the whole region or choose a part of it:",
    "ui.ambiguous": (
        "“{query}” is both a city and an oblast. Which one?\n"
        "• {city} (hromada) — only alerts declared for the city and its hromada.\n"
        "• {oblast} — alerts anywhere in the oblast, in every raion and hromada."
    ),
    "ui.offer": "Found: {region}. Subscribe to its alerts?",
    "ui.suggest": "I don't know the region “{query}”. Did you mean one of these?",
    "ui.chat_hint": (
        "Type the name of an oblast, city or hromada (e.g. “Sambir”) and I will offer a "
        "subscription. All commands: /help"
    ),
    "ui.stale": "This button no longer works. Open the menu again: /start",
    "ui.admins_only": "Only the group's admins may change its settings.",
    "ui.gone": "This subscription no longer exists.",
    "ui.saved": "Saved ✓",
    "ui.mysubs": "Your subscriptions. ❌ — unsubscribe, ⚙️ — choose alert kinds.\n{items}",
    "ui.kinds": "{region}: which alerts to send? ✓ — sent.",
    "ui.kinds.need_one": "Keep at least one kind of alert, or unsubscribe with ❌.",
    "ui.lang.choose": "Оберіть мову / Choose a language:",
    "ui.settings": "⚙️ Settings\nLanguage: {lang}\nReminder before an outage: {remind}",
    "ui.remind.off": "off",
    "ui.remind.minutes": "{minutes} min before",
    "ui.lang.uk": "Ukrainian",
    "ui.lang.en": "English",
    "ui.quiet_hint": (
        "Quiet hours: /quiet 23:00-07:00 — at night messages come without sound, except "
        "air-raid alerts in your regions."
    ),
    "menu.subscribe": "Subscribe to a region",
    "menu.unsubscribe": "Unsubscribe",
    "menu.mysubs": "My subscriptions",
    "menu.status": "Alerts in my regions now",
    "menu.settings": "Settings: language, reminders",
    "menu.truces": "Announced strike pauses",
    "menu.truce_notices": "Notices when a pause begins and ends",
    "menu.quiet": "Quiet hours: no sound at night",
    "menu.regions": "Oblasts, raions, hromadas",
    "menu.outage": "Power outage schedule",
    "menu.outage_group": "Follow an outage group",
    "menu.lang": "Language",
    "menu.help": "Help and all commands",
    "menu.truce_set": "Record an announced pause (admin)",
    "menu.truce_end": "End a pause (admin)",
    "menu.truce_report": "What happened during a pause",
    "menu.feed_list": "Alert sources (admin)",
    "menu.channels": "Regional channels (admin)",
    "menu.stats": "Delivery: queue, errors (admin)",
}
UK.update(UK_BUTTONS)
EN.update(EN_BUTTONS)

CATALOG: dict[str, dict[str, str]] = {"uk": UK, "en": EN}


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
    """The plural text for ``count``: the catalog holds ``key.one``, ``key.few``, ``key.many``
    and ``key.other`` (English only ``.one`` and ``.other``; a missing form falls back to
    ``.other``, then ``.many``); ``{count}`` is filled in with the others."""
    texts = CATALOG[language(lang)]
    text = (
        texts.get(f"{key}.{plural_form(lang, count)}")
        or texts.get(f"{key}.other")
        or texts[f"{key}.many"]
    )
    return text.format(count=_number(count), **values)


def _number(count: float) -> str:
    if isinstance(count, int) or float(count).is_integer():
        return str(int(count))
    return f"{count:.1f}"
