"""Payment terms in French, English and German, as e-invoices write them."""

from datetime import date

import pytest

from relance.core.terms import due_from_terms

ISSUED = date(2020, 11, 22)


@pytest.mark.parametrize(
    "terms,due",
    [
        # French
        ("30 jours", date(2020, 12, 22)),
        ("Paiement à 45 jours fin de mois", date(2021, 1, 31)),
        ("Paiement à réception de facture", ISSUED),
        ("Escompte 2 % à 8 jours, paiement à 30 jours net", date(2020, 12, 22)),
        ("Règlement au plus tard le 15/12/2020", date(2020, 12, 15)),
        ("A régler avant le 5 décembre 2020", date(2020, 12, 5)),
        # English
        ("Net 45", date(2021, 1, 6)),
        ("Payment within 14 days", date(2020, 12, 6)),
        ("Due upon receipt", ISSUED),
        ("Payable immediately", ISSUED),
        ("Please pay by 2020-12-10", date(2020, 12, 10)),
        ("Payment due December 20, 2020", date(2020, 12, 20)),
        # German
        ("Zahlbar ohne Abzug bis 22.12.2020", date(2020, 12, 22)),
        ("Zahlbar sofort", ISSUED),
        ("Sofort zahlbar ohne Abzug", ISSUED),
        ("Zahlbar innerhalb von 14 Tagen ohne Abzug", date(2020, 12, 6)),
        (
            "2 % Skonto bei Zahlung innerhalb 10 Tagen, 30 Tage netto",
            date(2020, 12, 22),
        ),
        ("2% Skonto bis 02.12.2020, netto bis 22.12.2020", date(2020, 12, 22)),
        ("Zahlungsziel: 21 Tage", date(2020, 12, 13)),
        ("Zahlbar bis zum 1. Dezember 2020", date(2020, 12, 1)),
    ],
)
def test_terms_give_the_due_date(terms, due):
    assert due_from_terms(terms, ISSUED) == due


@pytest.mark.parametrize(
    "terms",
    [
        "Bank: IBAN DE89 3704 0044 0532 0130 00",
        "Merci de votre confiance",
        "",
        "Lieferung 12.11.2020",
    ],
)
def test_terms_without_a_due_date_give_none(terms):
    assert due_from_terms(terms, ISSUED) is None


def test_a_date_before_the_invoice_is_not_its_due_date():
    assert due_from_terms("Leistungsdatum 01.11.2020, 30 Tage netto", ISSUED) == date(
        2020, 12, 22
    )
