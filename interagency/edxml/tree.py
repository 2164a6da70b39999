"""Small helpers over lxml trees shared by the reader and the signature code: namespace-blind
lookups (real senders use prefixes or none), the refusals before parsing, the streaming parse
that sets the attachments' base64 text aside, and the one parser configuration for whole trees."""

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


def huge_parser() -> etree.XMLParser:
    """The parser for whole packets (signing, verifying): no DTD, no entity expansion, no network
    (billion laughs and XXE have nothing to work with), and no 10 MB text-node limit since
    attachments of 30 MB and more are real. Only for bytes ``check_prologue`` has passed; depth is
    bounded by ``check_depth``."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
    )


# Far deeper than any edXML packet (about 8 levels); bounds recursion in c14n and our readers.
MAX_DEPTH = 64
_FEED_CHUNK = 1024 * 1024


def check_prologue(data: bytes, *, max_bytes: int) -> bytes:
    """Refuse before any parsing what is never legitimate: too large, stray bytes before the XML,
    a DTD or entity (billion laughs, XXE). Returns the body without a byte-order mark."""
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
        raise EdxmlError([_DTD_REFUSED])
    return body


_DTD_REFUSED = "M.edXML: gói tin có khai báo DOCTYPE/ENTITY, không được phép (DTD refused)"
_TOO_DEEP = f"R.edXML: gói tin lồng sâu quá {MAX_DEPTH} mức (nested too deep)"


def check_depth(root: etree._Element) -> None:
    depth = 0
    for event, _element in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_DEPTH:
            raise EdxmlError([_TOO_DEEP])


class EncodedText:
    """What the listing needs of an attachment's base64 text without keeping it: its length, its
    last characters (the ZIP's central directory) and whether it has any content."""

    TAIL = 4096

    def __init__(self) -> None:
        self.length = 0
        self.tail = ""
        self.blank = True

    def write(self, text: str) -> None:
        self.length += len(text)
        self.tail = (self.tail + text)[-self.TAIL :]
        if self.blank and text.strip():
            self.blank = False

    @classmethod
    def of(cls, text: str) -> EncodedText:
        encoded = cls()
        encoded.write(text)
        return encoded


class TextSink:
    """Where the text of one attachment's ContentTransferEncoded goes while parsing."""

    def write(self, text: str) -> None:
        raise NotImplementedError


_ENCODED_PATH = ("AttachmentEncoded", "Attachment", "ContentTransferEncoded")


class _StreamingTarget:
    """lxml parser target: builds the tree, except that each attachment's base64 text goes to a
    sink in pieces as it is parsed (no 10 MB text node, no whole-text copy)."""

    def __init__(self, sink: type[TextSink] | type[EncodedText]) -> None:
        self.builder = etree.TreeBuilder()
        self.names: list[str] = []
        self.sink_type = sink
        self.sink: TextSink | EncodedText | None = None
        self.sinks: dict[etree._Element, TextSink | EncodedText] = {}
        self.refusal: EdxmlError | None = None

    def start(self, tag: str, attrib: dict[str, str], nsmap: dict[str | None, str] | None = None) -> None:
        self.names.append(etree.QName(tag).localname)
        if len(self.names) > MAX_DEPTH:
            self._refuse(_TOO_DEEP)
        # lxml hands the default namespace as "", TreeBuilder wants None.
        self.builder.start(tag, attrib, {key or None: value for key, value in (nsmap or {}).items()})
        if self.names[-len(_ENCODED_PATH) :] == list(_ENCODED_PATH) and len(self.names) == 4:
            self.sink = self.sink_type()

    def data(self, text: str) -> None:
        if self.sink is not None:
            self.sink.write(text)
        else:
            self.builder.data(text)

    def end(self, tag: str) -> None:
        element = self.builder.end(tag)
        if self.sink is not None:
            self.sinks[element] = self.sink
            self.sink = None
        self.names.pop()

    def doctype(self, *args: object) -> None:
        self._refuse(_DTD_REFUSED)

    def _refuse(self, message: str) -> None:
        # lxml reports an exception raised here as a syntax error: kept to be raised as it is.
        self.refusal = EdxmlError([message])
        raise self.refusal

    def close(self) -> etree._Element:
        return self.builder.close()


def stream_root(
    data: bytes, *, max_bytes: int, sink: type[TextSink] | type[EncodedText] = EncodedText
) -> tuple[etree._Element, dict[etree._Element, TextSink | EncodedText]]:
    """Parse a packet in pieces: the tree without the attachments' base64 text, and per
    ContentTransferEncoded element the sink its text went to. Refuses too large, stray bytes, a
    DTD or entity (before parsing and, for encodings the byte check cannot see, while parsing),
    nesting past MAX_DEPTH, not well-formed."""
    body = check_prologue(data, max_bytes=max_bytes)
    target = _StreamingTarget(sink)
    parser = etree.XMLParser(
        target=target,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,  # the attachments' text is streamed to sinks; depth is bounded by the target
        remove_comments=True,
        remove_pis=True,
    )
    view = memoryview(body)
    try:
        for start in range(0, len(body), _FEED_CHUNK):
            parser.feed(bytes(view[start : start + _FEED_CHUNK]))
        root: etree._Element = parser.close()
    except (etree.XMLSyntaxError, EdxmlError) as exc:
        if target.refusal is not None:
            raise target.refusal from None
        if isinstance(exc, EdxmlError):
            raise
        if "limit" in str(exc).lower():
            raise EdxmlError([f"R.edXML: vượt giới hạn của bộ phân tích XML ({exc})"]) from exc
        raise EdxmlError([f"T.edXML: XML không hợp lệ (not well-formed: {exc})"]) from exc
    return root, target.sinks
