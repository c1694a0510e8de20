"""Every file of tests/formats/files read as its manifest says: files shaped like
real banks' and packages' exports, written from their specifications."""

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from relance.formats.bank import read_bank
from relance.formats.invoices import read_invoice_file

FILES = Path(__file__).parent / "files"
MANIFEST = tomllib.loads((FILES / "manifest.toml").read_text())["file"]
BANK = [f for f in MANIFEST if f["reader"] == "bank"]
INVOICES = [f for f in MANIFEST if f["reader"] == "invoices"]


def _value(record, field):
    value = getattr(record, field)
    if isinstance(value, tuple):  # TOML has arrays, not tuples
        return [list(v) if isinstance(v, tuple) else v for v in value]
    return str(value) if isinstance(value, Decimal | date) else value


def _said(messages, wanted):
    """Each message holds the manifest's words for it, one for one."""
    assert len(messages) == len(wanted), messages
    assert all(w in m for w, m in zip(wanted, messages, strict=True)), messages


def test_every_file_is_in_the_manifest():
    listed = {f["name"] for f in MANIFEST}
    assert listed == {p.name for p in FILES.iterdir()} - {"manifest.toml"}


@pytest.mark.parametrize("entry", BANK, ids=[f["name"] for f in BANK])
def test_bank_file_reads_as_the_manifest_says(entry):
    result = read_bank((FILES / entry["name"]).read_bytes())
    assert result.details.get("format") == entry["format"]
    got = [
        {field: _value(line, field) for field in want}
        for line, want in zip(result.records, entry["lines"], strict=False)
    ]
    assert got == entry["lines"]
    assert len(result.records) == len(entry["lines"])
    _said([e.message() for e in result.errors], entry.get("errors", []))
    _said([n.message() for n in result.notes], entry.get("notes", []))


@pytest.mark.parametrize("entry", INVOICES, ids=[f["name"] for f in INVOICES])
def test_invoice_file_reads_as_the_manifest_says(entry):
    result = read_invoice_file((FILES / entry["name"]).read_bytes())
    assert result.details.get("format") == entry["format"]
    assert result.details.get("preset") == entry.get("preset")
    assert result.details.get("not_owed", "").split(" ")[0] == str(
        entry.get("not_owed", "")
    )
    got = [
        {field: _value(rec, field) for field in want}
        for rec, want in zip(result.records, entry["records"], strict=False)
    ]
    assert got == entry["records"]
    assert len(result.records) == len(entry["records"])
    _said([e.message() for e in result.errors], entry.get("errors", []))


@pytest.mark.parametrize(
    "data,read",
    [
        (b"PK\x03\x04" + b"\x00" * 200, read_invoice_file),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n" + b"x" * 200, read_invoice_file),
        (b":20:STMT\n:25:FR76/123\n:28C:1\n:60F:C261117EUR1,00\n:61:ZZZZ\n", read_bank),
    ],
    ids=["xlsx", "pdf", "mt940"],
)
def test_unreadable_file_says_so_without_the_parser_internals(data, read):
    [error] = read(data).errors
    assert error.reason.startswith("not a readable") or "MT940" in error.reason
    for internal in ("0x", "Error", "Traceback", "xxxx", "<_io", "object at"):
        assert internal not in error.message()
