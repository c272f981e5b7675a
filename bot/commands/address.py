"""``/outage_address``: a resident's street address, for the emergency outages that a provider
ties to a street (LOE ``pw_accidents``), and, where the provider offers a lookup that the bot
can read (DTEK's ``getHomeNum``), the house's queue."""

from __future__ import annotations

import logging

from telegram import ForceReply, Update
from telegram.ext import ContextTypes

from bot.commands.common import GROUP_TYPES, Ask, ask, may_change_chat, reply
from bot.i18n import LANGUAGES, t
from bot.outages import texts as render
from bot.outages.lookup import LookupFailed, QueueFound
from bot.services import bot_data
from feeds import regions
from feeds.outages import address as addresses
from feeds.outages.address import Address, AddressError
from storage import outages as outage_store
from storage.outages import StoredAddress

log = logging.getLogger("alertbot.outages")

_OFF_WORDS = ("off", "remove", "delete", "вимк", "вимкнути", "видалити", "стоп")


def _arguments(text: str) -> str:
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def region_of_city(city: str) -> str | None:
    """The oblast (or Kyiv city) a city's name points to; None for a place the region
    registry does not know (a village): the address still matches by its street."""
    region = regions.resolve(city)
    if region is None:
        return None
    return regions.oblast_of(region.id) or region.id


def _current(a: Ask, stored: StoredAddress | None) -> str:
    if stored is None:
        return a.t("address.none")
    lines = [a.t("address.current", address=stored.address.display())]
    if stored.group is not None and stored.provider is not None:
        lines.append(
            a.t(
                "address.queue_known",
                group=render.group_label(stored.group),
                provider=stored.provider,
            )
        )
    return "\n".join(lines)


def _understood(a: Ask, address: Address) -> str:
    if address.house is None:
        return a.t("address.saved_street", city=address.city, street=address.street)
    return a.t("address.saved", city=address.city, street=address.street, house=address.house)


async def outage_address(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    a = await ask(update, context)
    if a is None:
        return
    argument = _arguments(a.text)
    if not argument:
        async with a.services.sessions() as session:
            stored = await outage_store.get_address(session, a.chat_id)
        chat = update.effective_chat
        message = update.effective_message
        if stored is None and message is not None and chat and chat.type not in GROUP_TYPES:
            # In a private chat the address may come as the answer to this message.
            prompt = ForceReply(input_field_placeholder=a.t("address.placeholder"))
            await message.reply_text(a.t("address.prompt"), reply_markup=prompt, do_quote=False)
            return
        await reply(update, _current(a, stored))
        return
    await _set_address(update, context, a, argument)


async def answered_prompt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A private message answering the bot's address prompt is the address; True if it was."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return False
    if replied.text not in {t(lang, "address.prompt") for lang in LANGUAGES}:
        return False
    a = await ask(update, context)
    if a is not None:
        await _set_address(update, context, a, a.text.strip())
    return True


async def _set_address(
    update: Update, context: ContextTypes.DEFAULT_TYPE, a: Ask, argument: str
) -> None:
    sessions = a.services.sessions
    if not await may_change_chat(update, context, a):
        return
    if argument.casefold() in _OFF_WORDS:
        async with sessions() as session, session.begin():
            removed = await outage_store.clear_address(session, a.chat_id)
        await reply(update, a.t("address.removed" if removed else "address.none"))
        return
    try:
        address = addresses.parse(argument)
    except AddressError as error:
        limit = addresses.MAX_TEXT
        await reply(update, a.t(f"address.{error.code}", limit=limit))
        return
    region_id = region_of_city(address.city)
    now = a.services.clock()
    async with sessions() as session, session.begin():
        if region_id is None:
            # A town the registry does not know (most are not in it): the region whose queues
            # the chat follows, when that is one, is where its provider is.
            followed = {region for region, _ in await outage_store.follows(session, a.chat_id)}
            region_id = followed.pop() if len(followed) == 1 else None
        await outage_store.set_address(session, a.chat_id, address, region_id, now)
    lines = [_understood(a, address), a.t("address.street_outages")]
    lines.append(await _queue_line(context, a, address, region_id))
    await reply(update, "\n".join(line for line in lines if line))


async def _queue_line(
    context: ContextTypes.DEFAULT_TYPE, a: Ask, address: Address, region_id: str | None
) -> str:
    """What the provider's lookup says of the house's queue, in one line."""
    service = bot_data(context).outages
    lookup = service.lookup_for(region_id) if service is not None and region_id else None
    if lookup is None:
        return a.t("address.no_lookup")
    if address.house is None:
        return a.t("address.lookup_needs_house", provider=lookup.provider)
    try:
        found = await lookup.find(address)
    except LookupFailed as failure:
        # The address itself stays out of the logs: it says where someone lives.
        log.info(
            "address_lookup_failed",
            extra={"chat_id": a.chat_id, "provider": lookup.provider, "error": str(failure)},
        )
        return a.t(f"address.lookup_{failure.reason}", provider=lookup.provider)
    return await _follow_found(a, found, region_id)


async def _follow_found(a: Ask, found: QueueFound, region_id: str | None) -> str:
    assert region_id is not None
    name = render.region_title(region_id, a.lang)
    lines: list[str] = []
    if not found.groups:
        key = "address.lookup_hoa" if found.served_by_hoa else "address.lookup_no_queue"
        return a.t(key, provider=found.provider)
    now = a.services.clock()
    async with a.services.sessions() as session, session.begin():
        for group in found.groups:
            await outage_store.follow(session, a.chat_id, region_id, group, now)
        await outage_store.set_queue(session, a.chat_id, found.provider, found.groups[0])
    labels = ", ".join(render.group_label(g) for g in found.groups)
    lines.append(a.t("address.queue_found", provider=found.provider, groups=labels, region=name))
    outage = found.outage
    if outage is not None:
        key = "address.house_planned" if outage.planned else "address.house_emergency"
        lines.append(
            a.t(key, reason=outage.reason or "—", start=outage.start or "?", end=outage.end or "?")
        )
    return "\n".join(lines)
