"""Parsing untrusted XML.

An uploaded BPMN comes from outside: it may carry a DOCTYPE with entities (billion laughs),
external references (XXE, network fetches) or simply be huge.  lxml is told to resolve no
entities, fetch nothing and refuse DTDs; the size is checked before parsing.
"""

from __future__ import annotations

from lxml import etree

from ..errors import InvalidBpmn, TooLarge

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, *, max_bytes: int, what: str = "BPMN") -> etree._Element:
    """Parse ``data`` safely or raise ``TooLarge`` / ``InvalidBpmn`` (never anything else)."""
    if len(data) > max_bytes:
        raise TooLarge(f"file larger than {max_bytes} bytes", limit=max_bytes)
    if not data.strip():
        raise InvalidBpmn(f"empty {what} file")
    # A DOCTYPE has no business in BPMN or DMN; refusing it outright closes entity tricks
    # that a parser option might miss.
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise InvalidBpmn(f"{what} files may not contain a DOCTYPE or entity declarations")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        # Where the parser stopped, so the designer can find the spot in their editor.
        line, column = exc.position if exc.position else (exc.lineno, None)
        raise InvalidBpmn(f"not well-formed XML: {exc}", line=line, column=column) from None
    except ValueError as exc:
        raise InvalidBpmn(f"not well-formed XML: {exc}") from None
    if root is None:
        raise InvalidBpmn(f"empty {what} document")
    # The byte scan above misses a DOCTYPE after a long prologue or in UTF-16; the parsed
    # document knows for sure.  Entities are never expanded either way, but a document
    # carrying unexpanded entity references would be stored and shown half-understood.
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise InvalidBpmn(f"{what} files may not contain a DOCTYPE or entity declarations")
    return root


def as_text(data: bytes, root: etree._Element) -> str:
    """The document as text for a ``Text`` column, parsing back to the same tree.

    UTF-8 (and ASCII) uploads are kept exactly, so the stored XML hashes like the upload.
    Anything else (ISO-8859-1 from older tools, UTF-16) is re-serialized as UTF-8 with a
    matching declaration: decoding it as UTF-8 would fail or corrupt it, and keeping the
    original declaration on re-encoded text would make the next parse read it wrongly.
    NUL characters (UTF-16 that happens to be valid UTF-8) are not storable in PostgreSQL.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        text = etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=True).decode(
            "utf-8"
        )
    return text


def parse_bpmn(data: bytes, *, max_bytes: int) -> etree._Element:
    root = parse_xml(data, max_bytes=max_bytes)
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise InvalidBpmn("not a BPMN 2.0 document: the root must be bpmn:definitions")
    return root


def parse_dmn(data: bytes, *, max_bytes: int) -> etree._Element:
    root = parse_xml(data, max_bytes=max_bytes, what="DMN")
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "definitions" or namespace not in DMN_NAMESPACES:
        raise InvalidBpmn("not a DMN document: the root must be dmn:definitions")
    return root
