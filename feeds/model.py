"""Normalised observations that every feed adapter produces."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class AlertKind(enum.StrEnum):
    AIR_RAID = "air_raid"
    ARTILLERY = "artillery"
    URBAN_FIGHTS = "urban_fights"
    CHEMICAL = "chemical"
    NUCLEAR = "nuclear"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Observation:
    """One alert that a source reports as active right now.

    ``region_id`` is the registry id (see :mod:`feeds.regions`); ``region_title`` is the
    source's own name for the location, kept for locations the registry does not know yet.
    """

    region_id: str
    region_title: str
    kind: AlertKind
    since: datetime | None
    level: str | None = None
    threat: str | None = None
    # The source says only part of the region is under alert (alerts.in.ua IoT "P": some of
    # the oblast's raions or hromadas, not which ones); how to announce that is the merge's call.
    partial: bool = False
    # Where the source places the location, for places the registry learns from alerts:
    # "oblast" | "raion" | "hromada" | "city", and the id of the oblast (or raion) it lies in.
    place_level: str | None = None
    parent_id: str | None = None


class FeedError(Exception):
    """A poll failed: the feed could not be fetched or its answer could not be read."""


class FeedFormatError(FeedError):
    """The feed answered, but not in the shape we know."""


PARTIAL_SUFFIX = "_partial"  # a kind reported for part of a place ("air_raid_partial")


def base_kind(kind: str) -> str:
    return kind.removesuffix(PARTIAL_SUFFIX)
