"""The SEPA transfer QR code (EPC069-12) and the reminder's RF reference: the
code is drawn, then decoded by a real reader (zxing-cpp), and every field
checked."""

import io
from decimal import Decimal

import pytest

from relance.core import creditor_reference as rf
from relance.core.payment_qr import Transfer, payload, png

zxingcpp = pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")

IBAN = "FR7630006000011234567890189"


def decode(image_bytes: bytes) -> str:
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image_bytes)))
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    return found.text


def transfer(**changes):
    values = dict(
        name="Acme Conseil SAS",
        iban="FR76 3000 6000 0112 3456 7890 189",
        bic="AGRIFRPP",
        amount=Decimal("1234.5"),
        reference=rf.for_reminder(4711),
        purpose="GDDS",
    )
    return Transfer(**{**values, **changes})


def test_every_field_of_the_decoded_code():
    text = decode(png(payload(transfer())))
    assert text.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "AGRIFRPP",
        "Acme Conseil SAS",
        IBAN,
        "EUR1234.50",
        "GDDS",
        rf.for_reminder(4711),
    ]
    assert rf.reminder_id(text.split("\n")[9]) == 4711


def test_utf8_name_and_no_bic_survive_the_scan():
    text = decode(png(payload(transfer(name="Société Générale d'Études", bic=""))))
    lines = text.split("\n")
    assert lines[4] == "" and lines[5] == "Société Générale d'Études"


def test_error_correction_is_level_m():
    import segno

    assert segno.make_qr(payload(transfer()), error="m", boost_error=False).error == "M"


@pytest.mark.parametrize(
    "changes",
    [
        {"iban": "FR7630006000011234567890180"},  # check digits wrong
        {"bic": "NOTABIC"},
        {"amount": Decimal("0")},
        {"amount": Decimal("1000000000")},
        {"reference": "RF00RL1"},
        {"name": "   "},
        {"purpose": "GD"},
    ],
)
def test_what_a_bank_would_refuse_is_refused_here(changes):
    with pytest.raises(ValueError):
        payload(transfer(**changes))


def test_reference_names_its_reminder_and_nothing_else():
    ref = rf.for_reminder(12)
    assert ref.startswith("RF") and rf.reminder_id(ref) == 12
    assert rf.reminder_id(rf.printed(ref)) == 12
    assert rf.reminder_id(ref[:2] + "00" + ref[4:]) is None
    assert rf.reminder_id("RF18539007547034") is None  # valid, another creditor's


def test_references_are_found_in_a_remittance():
    a, b = rf.for_reminder(7), rf.for_reminder(123456)
    text = f"VIR SEPA {rf.printed(a)} FACTURES OCT /ROC/{b.lower()} MERCI {a}"
    assert rf.reminders_in(text) == [7, 123456]
    assert rf.reminders_in("RF12 RL99 nothing valid") == []


def test_a_long_hostile_remittance_is_scanned_quickly():
    import time

    started = time.monotonic()
    assert rf.reminders_in("RF12" * 50_000) == []
    assert time.monotonic() - started < 1
