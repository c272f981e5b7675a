"""The state of each top-level region, as the /map picture colours it.

Per oblast (Crimea, Kyiv and Sevastopol too), the first that holds:

1. an air-raid alert over the whole oblast: ``AIR_RAID``;
2. an air-raid alert in a part of it (a raion or hromada, or a "part of the oblast" report,
   alerts.in.ua's IoT ``P``): ``PARTIAL``. Since November 2025 ukrainealarm raises no
   oblast-wide alarms, so this is what most alerts look like;
3. another kind of alert (artillery, urban fights, chemical, nuclear, other) over the whole
   oblast: ``OTHER``;
4. any other alert in a part of it: ``PARTIAL``;
5. else ``NONE``.

An air raid anywhere in the oblast outranks the other kinds: it is what people look at the
map for. The state is what subscribers were last told (``alert_state``), as /status shows it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.maps.draw import RegionState
from feeds import regions
from feeds.model import PARTIAL_SUFFIX, base_kind
from storage import merge as alert_store

AIR_RAID = "air_raid"

# The map's state: the regions under some alert, sorted; hashable, so it keys the cache.
Snapshot = tuple[tuple[str, RegionState], ...]


def region_states(active: Iterable[tuple[str, str]]) -> dict[str, RegionState]:
    """Each top-level region under some alert, from (region id, kind) pairs; a place the
    registry cannot put in an oblast is left out."""
    whole_air: set[str] = set()
    part_air: set[str] = set()
    whole_other: set[str] = set()
    part_other: set[str] = set()
    for region_id, kind in active:
        oblast = regions.oblast_of(region_id)
        if oblast is None:
            continue
        air = base_kind(kind) == AIR_RAID
        whole = region_id == oblast and not kind.endswith(PARTIAL_SUFFIX)
        if whole:
            (whole_air if air else whole_other).add(oblast)
        else:
            (part_air if air else part_other).add(oblast)
    result: dict[str, RegionState] = {}
    for oblast in part_other | whole_other | part_air | whole_air:
        if oblast in whole_air:
            result[oblast] = RegionState.AIR_RAID
        elif oblast in part_air:
            result[oblast] = RegionState.PARTIAL
        elif oblast in whole_other:
            result[oblast] = RegionState.OTHER
        else:
            result[oblast] = RegionState.PARTIAL
    return result


def snapshot(states: dict[str, RegionState]) -> Snapshot:
    return tuple(sorted(states.items()))


async def current(session: AsyncSession) -> dict[str, RegionState]:
    return region_states(await alert_store.all_active(session))
