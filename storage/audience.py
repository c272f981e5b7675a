"""Who hears of an alert: the places whose subscribers are told, the chats among them, and the
outbox priority of the message.

A subscriber to a place hears of alerts that cover it from above (its raion, its oblast),
and a subscriber to an oblast hears of alerts inside it (ukrainealarm no longer raises
oblast-wide alarms, only raion and hromada ones, so an oblast subscriber would otherwise
hear nothing). A subscription limited to some alert kinds skips the others. The end of an
alert is not sent to a place still covered by another alert of the kind (the raion's alert
ended but the oblast-wide one goes on): that would read as "all clear" when it is not. A
wider place's subscribers do get it; its text says what still goes on in and over their
oblast (``AlertEvent.active_nearby``, bot/delivery/alert_texts.py).
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from feeds import regions
from feeds.model import AlertKind, base_kind
from storage import outbox
from storage.db import id_chunks
from storage.models import Chat, Subscription

Key = tuple[str, str]  # (region_id, kind): what is under alert where


def priority_for(kind: str) -> int:
    """The outbox priority class (lower is sooner): air-raid starts and ends go out before
    other alert kinds, which go before outage and informational notices."""
    return outbox.PRIORITY_AIR_RAID if kind == AlertKind.AIR_RAID else outbox.PRIORITY_ALERT


def audience(region_id: str) -> set[str]:
    """Places whose subscribers may hear of an alert here: above it and inside it."""
    return set(regions.with_descendants(region_id)) | set(regions.lineage(region_id))


Subscriptions = dict[str, list[tuple[int, str | None]]]  # place -> [(chat id, kinds)]


async def subscriptions(
    session: AsyncSession, places: set[str], *, channels: bool | None = None
) -> Subscriptions:
    """Active chats subscribed to ``places``: only channels, only other chats, or (``None``)
    all."""
    found: Subscriptions = {}
    query = _SUBSCRIPTIONS[channels]
    for part in id_chunks(places):
        for chat_id, place, kinds in await session.execute(query, {"places": part}):
            found.setdefault(place, []).append((chat_id, kinds))
    return found


_SUBSCRIBED = (
    select(Subscription.chat_id, Subscription.region_id, Subscription.kinds)
    .join(Chat, Chat.chat_id == Subscription.chat_id)
    .where(Chat.active, Subscription.region_id.in_(bindparam("places", expanding=True)))
)
_SUBSCRIPTIONS = {
    None: _SUBSCRIBED,
    True: _SUBSCRIBED.where(Chat.kind == "channel"),
    False: _SUBSCRIBED.where(Chat.kind != "channel"),
}


def recipients(
    subscriptions: Subscriptions,
    region_id: str,
    kind: str,
    *,
    ended: bool,
    active: set[Key],
) -> list[int]:
    """Who of ``subscriptions`` hears of this event (the module's rule)."""
    wanted: set[int] = set()
    covered: set[int] = set()
    plain = base_kind(kind)
    for place in audience(region_id):
        for chat_id, kinds in subscriptions.get(place, ()):
            if kinds is not None and plain not in kinds.split(","):
                continue
            chain = regions.lineage(place)
            if ended and region_id in chain and any((r, kind) in active for r in chain):
                covered.add(chat_id)
                continue
            wanted.add(chat_id)
    return sorted(wanted - covered)
