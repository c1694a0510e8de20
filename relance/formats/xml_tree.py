"""Reading untrusted XML (bank statements, e-invoices): parsed with defusedxml,
so entity expansion and external entities are refused, never followed, and the
tree is built up to a number of elements and a depth; elements are found by
local name, so every namespace version of a standard reads alike."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element, TreeBuilder

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from .limits import DEFAULT, LimitExceeded, Limits


class _BoundedBuilder(TreeBuilder):
    """Stops the parse at the element over the limits, before it is made."""

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self.limits, self.elements, self.depth = limits, 0, 0

    def start(self, tag, attrs):
        self.elements += 1
        self.depth += 1
        if self.elements > self.limits.xml_elements:
            raise LimitExceeded(
                0,
                "Too many XML elements: more than %(limit)s",
                limit=self.limits.xml_elements,
            )
        if self.depth > self.limits.xml_depth:
            raise LimitExceeded(
                0,
                "XML nested too deeply: more than %(limit)s levels",
                limit=self.limits.xml_depth,
            )
        return super().start(tag, attrs)

    def end(self, tag):
        self.depth -= 1
        return super().end(tag)


def parse(data: bytes, limits: Limits = DEFAULT) -> Element:
    """The root element; ValueError saying why when the file cannot be read,
    LimitExceeded when it holds too many elements or nests them too deep."""
    parser = ElementTree.XMLParser(target=_BoundedBuilder(limits), forbid_dtd=True)
    try:
        parser.feed(data)
        return parser.close()
    except DefusedXmlException as exc:
        raise ValueError(f"refused unsafe XML: {type(exc).__name__}") from None
    except ElementTree.ParseError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from None
    except LookupError as exc:  # <?xml encoding="..."?> names no known codec
        raise ValueError(f"unknown XML encoding: {exc}") from None


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def children(node: Element | None, name: str) -> Iterator[Element]:
    if node is not None:
        yield from (c for c in node if local(c.tag) == name)


def first(node: Element | None, *path: str) -> Element | None:
    """The first element down a path of local names; a name may be "A|B"."""
    for step in path:
        if node is None:
            return None
        names = step.split("|")
        node = next((c for c in node if local(c.tag) in names), None)
    return node


def text(node: Element | None, *path: str) -> str:
    found = first(node, *path)
    return (found.text or "").strip() if found is not None else ""


def descendants(node: Element | None, name: str) -> list[Element]:
    return [e for e in node.iter() if local(e.tag) == name] if node is not None else []
