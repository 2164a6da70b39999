"""Small helpers over lxml trees shared by the reader and the signature code: namespace-blind
lookups (real senders use prefixes or none) and the one safe parser configuration."""

from __future__ import annotations

import unicodedata

from lxml import etree


def local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def children(parent: etree._Element | None, name: str) -> list[etree._Element]:
    if parent is None:
        return []
    return [item for item in parent if local(item) == name]


def child(parent: etree._Element | None, name: str) -> etree._Element | None:
    found = children(parent, name)
    return found[0] if found else None


def clean(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def safe_parser() -> etree.XMLParser:
    # No DTD, no entity expansion, no network: billion laughs and XXE have nothing to work with.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
