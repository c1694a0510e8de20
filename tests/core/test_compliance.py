from datetime import date

from relance.core.compliance import check_invoice, end_of_month_cap


def codes(defects):
    return [d.code for d in defects]


def test_terms_within_sixty_days_are_fine():
    assert check_invoice(date(2026, 1, 10), date(2026, 3, 11)) == []  # 60 days


def test_end_of_month_terms_are_flagged_and_beyond_the_cap_is_blocking():
    issued = date(2026, 1, 10)
    assert end_of_month_cap(issued) == date(2026, 3, 17)  # 31 Jan + 45 days
    eom = check_invoice(issued, date(2026, 3, 15))
    assert codes(eom) == ["term_eom"] and not eom[0].blocking
    over = check_invoice(issued, date(2026, 4, 30))
    assert codes(over) == ["term_over_cap"] and over[0].blocking
    assert check_invoice(issued, date(2026, 4, 30), b2b=False) == []  # consumer


def test_mentions_are_read_from_the_invoice_text():
    good = (
        "Pénalités de retard : 3 fois le taux d'intérêt légal. Indemnité forfaitaire "
        "pour frais de recouvrement : 40 €."
    )
    assert check_invoice(date(2026, 1, 1), date(2026, 1, 31), document_text=good) == []
    bare = "Facture n° 12 — Total TTC 1 200,00 €"
    assert codes(
        check_invoice(date(2026, 1, 1), date(2026, 1, 31), document_text=bare)
    ) == ["no_penalty_rate", "no_indemnity_mention"]


def test_missing_due_date():
    assert codes(check_invoice(date(2026, 1, 1), None)) == ["no_due_date"]
