"""Small helpers over lxml trees shared by the reader and the signature code: namespace-blind
lookups (real senders use prefixes or none) and the one safe parser configuration."""

from __future__ import annotations

import re
import unicodedata

from lxml import etree

from interagency.edxml.packets import EdxmlError

DOCTYPE_RE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


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


def parse_root(data: bytes, *, max_bytes: int) -> etree._Element:
    """The packet's root element, refusing before any expensive work what is never legitimate:
    too large, stray bytes before the XML, a DTD or entity (billion laughs, XXE), not well-formed."""
    if len(data) > max_bytes:
        raise EdxmlError([f"R.edXML: gói tin {len(data)} byte, tối đa {max_bytes} (packet too large)"])
    body = data.removeprefix(b"\xef\xbb\xbf")
    if not body.startswith(b"<"):
        raise EdxmlError(
            [
                f"T.edXML: gói tin không bắt đầu bằng XML (bắt đầu bằng {body[:16]!r}); "
                "có byte lạ trước khai báo <?xml (stray bytes before the XML declaration)"
            ]
        )
    # Refused outright, before lxml sees it: a DTD is never legitimate in edXML.
    if DOCTYPE_RE.search(body):
        raise EdxmlError(["M.edXML: gói tin có khai báo DOCTYPE/ENTITY, không được phép (DTD refused)"])
    try:
        root = etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError as exc:
        if "limit" in str(exc).lower():
            raise EdxmlError([f"R.edXML: vượt giới hạn của bộ phân tích XML ({exc})"]) from exc
        raise EdxmlError([f"T.edXML: XML không hợp lệ (not well-formed: {exc})"]) from exc
    if root.getroottree().docinfo.doctype:
        raise EdxmlError(["M.edXML: gói tin có khai báo DOCTYPE, không được phép (DTD refused)"])
    return root
