"""XML from the internet, read with defusedxml: no entity expansion, no external references."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from feeds.model import FeedFormatError


def parse_xml(body: bytes) -> Element:
    """The document's root; raises :class:`FeedFormatError` for broken or hostile XML.

    A DOCTYPE is allowed (old RSS carries one) but any entity declaration or external
    reference is refused, which rules out "billion laughs" and XXE.
    """
    try:
        root: Element = fromstring(body, forbid_dtd=False, forbid_entities=True)
    except DefusedXmlException as exc:
        raise FeedFormatError(f"refused unsafe XML: {type(exc).__name__}") from None
    except ParseError as exc:
        raise FeedFormatError(f"not XML: {exc}") from None
    return root
