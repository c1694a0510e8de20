"""Whether a PDF is safe to keep and send on to a customer: an invoice or a
proof of payment is a page to read, so one that runs JavaScript, starts an
action by itself or when clicked (other than following a link or going to a
page), or carries attached files is refused, not cleaned: the sender makes a
plain one. A Factur-X invoice legitimately carries one file, its invoice XML.

Every object reachable from the document's trailer is looked at, so an action
hidden in an annotation, a form field or an object stream is found too; names
are compared after pypdf decodes them (`/J#61vaScript` is `/JavaScript`)."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

logging.getLogger("pypdf").setLevel(logging.ERROR)

# The reasons, in English; the web app and the command line translate them.
JAVASCRIPT = "the PDF contains JavaScript"
ACTION = (
    "the PDF starts an action by itself or when clicked (a program, a file, a form)"
)
ATTACHMENT = (
    "the PDF carries an attached file (only a Factur-X invoice XML is accepted)"
)
UNREADABLE = "the PDF cannot be checked (damaged or too complex)"
NOT_PDF = "not a PDF file"

# Action types that start something beyond following a link or going to a page.
ACTIONS = {
    "/Launch",
    "/GoToR",
    "/GoToE",
    "/SubmitForm",
    "/ImportData",
    "/Rendition",
    "/RichMediaExecute",
    "/Movie",
    "/Sound",
}
SCRIPT_KEYS = {"/JS", "/JavaScript", "/XFA"}
INVOICE_XML = {"factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"}
MAX_OBJECTS = 200_000  # a 20-page invoice has a few hundred


def danger(data: bytes) -> str | None:
    """Why the PDF must not be kept, or None when it is a plain document."""
    if not data.startswith(b"%PDF-"):
        return NOT_PDF
    try:
        reader = PdfReader(io.BytesIO(data))
        names = {name.lower() for name in reader.attachments}
        found, files = _walk(reader.trailer)
    except Exception:  # pypdf raises many kinds on damaged files
        return UNREADABLE
    if found:
        return found
    if files > 1 or len(names) != files or not names <= INVOICE_XML:
        return ATTACHMENT
    return None


def _walk(trailer) -> tuple[str | None, int]:
    """The first danger met among the objects reachable from the trailer, and
    how many distinct files are embedded."""
    seen: set[tuple[int, int]] = set()
    files: set[object] = set()
    stack = [trailer]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            if len(seen) > MAX_OBJECTS:
                return UNREADABLE, len(files)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            if SCRIPT_KEYS & node.keys() or node.get("/S") == "/JavaScript":
                return JAVASCRIPT, len(files)
            if node.get("/S") in ACTIONS:
                return ACTION, len(files)
            embedded = node.get("/EF")
            if isinstance(embedded, DictionaryObject):
                files |= {_identity(f) for f in embedded.values()}
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None, len(files)


def _identity(node) -> object:
    """The same embedded file named twice (/F and /UF) counts once."""
    if isinstance(node, IndirectObject):
        return (node.idnum, node.generation)
    return id(node)
