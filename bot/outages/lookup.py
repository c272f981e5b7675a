"""A house's queue from its provider, where the provider answers such a question in a form
the bot has a real recorded answer of.

Only DTEK qualifies: its shutdowns page (``https://www.dtek-{kem,krem,dnem,oem,dem}.com.ua/
ua/shutdowns``) asks ``POST /ua/ajax`` with ``method=getHomeNum`` for every house of a street,
and an answer of 08.10.2026 from dtek-krem is on record (tests/fixtures/outages/, with its
provenance). LOE's ``pw_accounts`` and Yasno's v2 address endpoints have no recorded answer,
and Yasno's v1 ``houses`` needs the city and street ids of two other endpoints whose answers
are not on record either (and v1 was superseded in late 2025): for those the bot keeps the
address and matches outages by street, but does not tell the queue.

The request follows the page: a GET of the page for its ``<meta name="csrf-token">`` and
cookies, then the POST with ``x-csrf-token`` and ``x-requested-with: XMLHttpRequest``. DTEK's
sites sit behind a bot filter (Imperva) that often answers a plain client with a challenge
page: the bot then says it could not ask, in one line, and keeps the address.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import httpx

from feeds.outages.address import Address, house_key
from feeds.outages.timeline import KYIV

log = logging.getLogger("alertbot.outages.lookup")

# Commands are answered one at a time: a provider that hangs must not hold the others long.
TIMEOUT = 4.0
DEADLINE = 8.0
MAX_BODY = 2_000_000  # a street's houses; a page is far smaller than this
_CSRF = re.compile(r"""<meta\s+name=["']csrf-token["']\s+content=["']([^"']{1,200})["']""")
_QUEUE = re.compile(r"^GPV(\d{1,4}\.\d)$")


class LookupFailed(Exception):
    """``reason``: unreachable (no answer, an HTTP error), blocked (the bot filter's page
    instead of the form), malformed (an answer the bot cannot read), not_found (the street
    or the house is not in the answer)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class HouseOutage:
    """An outage DTEK shows at the house now: ``planned`` (type 1) or not (type 2); the times
    as DTEK writes them ("HH:mm dd.MM.yyyy", Kyiv)."""

    planned: bool
    reason: str | None
    start: str | None
    end: str | None


@dataclass(frozen=True, slots=True)
class QueueFound:
    provider: str
    # As /outage_group stores them: "5.1"; Dnipro's ЦЕК queues "1001.1".
    groups: tuple[str, ...]
    outage: HouseOutage | None = None
    served_by_hoa: bool = False


def read_home_num(document: Any, house: str) -> QueueFound:
    """The house's entry in a ``getHomeNum`` answer. Raises :class:`LookupFailed`."""
    if not isinstance(document, Mapping) or not isinstance(document.get("data"), Mapping):
        raise LookupFailed("malformed", "no data object")
    if document.get("result") is not True:
        raise LookupFailed("not_found", "result is not true")
    wanted = house_key(house)
    entry: Mapping[str, Any] | None = None
    for name, value in document["data"].items():
        # The answer lists every house of the street, by DTEK's own spelling of its number.
        if isinstance(value, Mapping) and house_key(str(name)) == wanted:
            entry = value
            break
    if entry is None:
        raise LookupFailed("not_found", "house not listed")
    reasons = entry.get("sub_type_reason")
    if reasons is not None and not isinstance(reasons, list):
        raise LookupFailed("malformed", "sub_type_reason is not a list")
    groups = []
    for reason in reasons or []:
        match = _QUEUE.match(str(reason).strip())
        if match is not None and match.group(1) not in groups:
            groups.append(match.group(1))
    outage = None
    kind = str(entry.get("type") or "")
    if kind in ("1", "2"):
        outage = HouseOutage(
            planned=kind == "1",
            reason=_text(entry.get("sub_type")),
            start=_text(entry.get("start_date")),
            end=_text(entry.get("end_date")),
        )
    return QueueFound("DTEK", tuple(groups), outage, bool(entry.get("voluntarily")))


def _text(value: object) -> str | None:
    return " ".join(value.split())[:200] if isinstance(value, str) and value.strip() else None


class DtekLookup:
    """``getHomeNum`` against the DTEK site of one region (the page a ``dtek_json`` feed
    polls). ``transport`` is the HTTP seam (tests: a fake server, or httpx.MockTransport)."""

    provider = "DTEK"

    def __init__(
        self,
        page_url: str,
        *,
        clock: Any,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = TIMEOUT,
        deadline: float = DEADLINE,
    ) -> None:
        self._deadline = deadline
        self.page_url = page_url
        self.ajax_url = urljoin(page_url, "/ua/ajax")
        self._clock = clock
        self._transport = transport
        self._timeout = timeout

    async def find(self, address: Address) -> QueueFound:
        if address.house is None:
            raise LookupFailed("not_found", "no house")
        try:
            async with (
                asyncio.timeout(self._deadline),
                httpx.AsyncClient(
                    transport=self._transport, timeout=self._timeout, follow_redirects=False
                ) as client,
            ):
                page = await client.get(self.page_url)
                if page.status_code != 200:
                    raise LookupFailed("unreachable", f"page HTTP {page.status_code}")
                token = _CSRF.search(page.text[:MAX_BODY])
                if token is None:
                    raise LookupFailed("blocked", "no csrf-token on the page")
                answer = await client.post(
                    self.ajax_url,
                    data=self._form(address),
                    headers={
                        "x-csrf-token": token.group(1),
                        "x-requested-with": "XMLHttpRequest",
                        "Referer": self.page_url,
                    },
                )
        except (httpx.HTTPError, TimeoutError) as error:
            raise LookupFailed("unreachable", type(error).__name__) from None
        if answer.status_code != 200:
            raise LookupFailed("unreachable", f"HTTP {answer.status_code}")
        if len(answer.content) > MAX_BODY:
            raise LookupFailed("malformed", "answer too large")
        try:
            document = answer.json()
        except ValueError:
            raise LookupFailed("malformed", "not JSON") from None
        found = read_home_num(document, address.house)
        log.info("address_lookup", extra={"provider": self.provider, "groups": list(found.groups)})
        return found

    def _form(self, address: Address) -> dict[str, str]:
        # updateFact is the schedule version the page already has; any other value only makes
        # DTEK add its fact and preset to the answer, which are ignored here.
        now: datetime = self._clock()
        return {
            "method": "getHomeNum",
            "data[0][name]": "city",
            "data[0][value]": address.city,
            "data[1][name]": "street",
            "data[1][value]": address.street,
            "data[2][name]": "updateFact",
            "data[2][value]": now.astimezone(KYIV).strftime("%d.%m.%Y %H:%M"),
        }
