"""Every file of tests/formats/files read as its manifest says: files shaped like
real banks' and packages' exports, written from their specifications."""

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from relance.formats.bank import read_bank

FILES = Path(__file__).parent / "files"
MANIFEST = tomllib.loads((FILES / "manifest.toml").read_text())["file"]
BANK = [f for f in MANIFEST if f["reader"] == "bank"]


def _value(line, field):
    value = getattr(line, field)
    return str(value) if isinstance(value, Decimal | date) else value


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
    errors = [e.message() for e in result.errors]
    assert len(errors) == len(entry.get("errors", []))
    assert all(w in e for w, e in zip(entry.get("errors", []), errors, strict=True))
    notes = [n.message() for n in result.notes]
    assert len(notes) == len(entry.get("notes", []))
    assert all(w in n for w, n in zip(entry.get("notes", []), notes, strict=True))
