"""Where relance keeps the files it writes. Every path is made of ids, fixed
words and content hashes, under the organisation's own directory: no value a
user or a file supplied (a customer reference, an invoice number, an uploaded
file's name) ever becomes part of a path."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation

# What a file name written by relance may contain: made by code, checked anyway.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,119}")


def safe_name(name: str) -> str:
    """A file name made by relance, refused unless it is plain (no separator,
    no leading dot, no NUL, not too long): a guard behind the ids it is made of."""
    if not SAFE_NAME.fullmatch(name) or ".." in name:
        raise SuspiciousFileOperation(f"unsafe file name {name!r}")
    return name


def org_folder(org_id: int, *parts: str | int) -> Path:
    """The folder `documents/orgs/<org id>/<parts…>`, created if need be."""
    folder = Path(settings.MEDIA_ROOT) / "orgs" / str(int(org_id))
    for part in parts:
        folder /= str(part) if isinstance(part, int) else safe_name(part)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def letters_folder(org_id: int, customer_id: int) -> Path:
    """A customer's letters, notices and court files, by the customer's id."""
    return org_folder(org_id, "letters", int(customer_id))


def invoice_document_path(invoice, filename: str) -> str:
    """`upload_to` of an invoice's PDF: the organisation's folder, and a name the
    caller makes from the file's SHA-256."""
    return f"orgs/{int(invoice.org_id)}/invoices/{safe_name(filename)}"


def inside(base: Path, relative: str) -> Path:
    """`base / relative`, refused when it would leave `base` (a stored path is
    ours, but a path read back from the database is checked before it is used)."""
    path = (base / relative).resolve()
    if not path.is_relative_to(base.resolve()):
        raise SuspiciousFileOperation(f"{relative!r} is outside {base}")
    return path


def download_name(*words: str) -> str:
    """A file name for a browser's Save dialog, from words that may come from
    users: accents folded, anything but letters, digits, '-' and '_' dropped."""
    folded = unicodedata.normalize("NFKD", "-".join(words))
    plain = re.sub(r"[^A-Za-z0-9_]+", "-", folded.encode("ascii", "ignore").decode())
    return plain.strip("-")[:120] or "document"
