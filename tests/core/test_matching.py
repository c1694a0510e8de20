from datetime import date
from decimal import Decimal

from relance.core.matching import Credit, Matcher, OpenItem

D = Decimal


def item(inv, number, customer, name, amount, due=date(2026, 10, 1)):
    return OpenItem(inv, number, customer, name, D(amount), "EUR", due)


ITEMS = [
    item(1, "F2026-00101", 10, "Hôtel du Parc SAS", "1200.00"),
    item(2, "F2026-00102", 20, "Garage Martin SARL", "500.00", date(2026, 9, 1)),
    item(3, "F2026-00103", 20, "Garage Martin SARL", "400.00", date(2026, 10, 1)),
    item(4, "F2026-00104", 30, "Boulangerie Léa", "250.00"),
    item(5, "F2026-00105", 40, "Librairie Moreau", "250.00"),
]
MATCHER = Matcher(ITEMS)


def credit(amount, payer="", text=""):
    return Credit("k", D(amount), "EUR", payer, text)


def test_invoice_number_split_spaced_or_with_another_prefix():
    for text in (
        "VIR FACT F 2026 00101",
        "F2026-00101",
        "FA202600101",
        "fact 2026-101",
    ):
        m = MATCHER.match(credit("1200.00", text=text))
        assert m.allocations == [(1, D("1200.00"))], text
        assert m.confidence > 0.95


def test_several_invoices_in_one_payment_and_partial_payment():
    m = MATCHER.match(credit("900.00", text="F2026-00102 et F2026-00103"))
    assert m.allocations == [(2, D("500.00")), (3, D("400.00"))]
    partial = MATCHER.match(credit("300.00", text="acompte F2026-00103"))
    assert partial.allocations == [(3, D("300.00"))] and partial.write_offs == []


def test_bank_fees_within_tolerance_are_written_off():
    m = MATCHER.match(credit("1198.50", text="F2026-00101"))
    assert m.allocations == [(1, D("1198.50"))]
    assert m.write_offs == [(1, D("1.50"))] and "bank fees" in m.reason


def test_payer_name_and_amount_without_reference():
    m = MATCHER.match(credit("900.00", payer="GARAGE MARTIN"))
    assert m.allocations == [(2, D("500.00")), (3, D("400.00"))] and m.confidence >= 0.9
    one = MATCHER.match(credit("400.00", payer="Garage Martin"))
    assert one.allocations == [(3, D("400.00"))]


def test_uncertain_matches_go_to_review_with_candidates():
    amount_only = MATCHER.match(credit("250.00", payer="Quelqu'un d'autre"))
    assert amount_only.confidence < 0.8 and sorted(amount_only.candidates) == [4, 5]
    payer_only = MATCHER.match(credit("123.45", payer="Boulangerie Lea"))
    assert payer_only.customer_id == 30 and payer_only.allocations == []
    nothing = MATCHER.match(credit("9.99", payer="Personne"))
    assert nothing.confidence == 0 and nothing.candidates == []


def test_overpayment_is_not_applied_blindly():
    m = MATCHER.match(credit("2000.00", text="F2026-00101"))
    assert m.confidence < 0.8 and "more than the invoices found" in m.reason


def test_money_applied_once_is_not_applied_again():
    matcher = Matcher(ITEMS)
    first = matcher.match(credit("1200.00", text="F2026-00101"))
    matcher.consume(first)
    again = matcher.match(credit("1200.00", text="F2026-00101"))
    assert again.allocations == [] and again.confidence < 0.8


def test_last_digits_of_the_number_with_the_exact_amount():
    m = Matcher(ITEMS)
    match = m.match(credit("500.00", text="REGLEMENT FACT 102"))
    assert match.allocations == [(2, D("500.00"))] and match.confidence >= 0.8
    # same digits, another amount: not enough to apply
    assert m.match(credit("499.00", text="REGLEMENT FACT 103")).confidence < 0.8


def test_payer_found_among_many_customers_despite_a_typo():
    """Above SCAN_ALL_NAMES customers the payer is compared only with names that
    share a word or a word's first letters; a misspelt payer is still found."""
    many = [
        item(1000 + n, f"X-{n:05d}", 1000 + n, f"Boulangerie Client {n}", "99.00")
        for n in range(3000)
    ]
    target = item(9, "G-77777", 9, "Menuiserie Lefebvre Frères", "1830.40")
    m = Matcher([*many, target, *ITEMS])
    match = m.match(credit("1830.40", payer="MENUISRIE LEFEBVRE FRERES SARL"))
    assert match.customer_id == 9 and match.allocations == [(9, D("1830.40"))]
    common = m.match(credit("500.00", payer="Boulangerie"))
    assert common.confidence < 0.8  # thousands of bakeries: no guess applied


def test_legal_forms_and_associates_do_not_weigh_against_a_name():
    """'CABINET FONTAINE ET ASSOCIES' paying the only open invoice of 'Cabinet
    Fontaine SARL' to the cent is that customer (it scored 86 under 88)."""
    m = Matcher([item(7, "FC-2026-014", 70, "Cabinet Fontaine SARL", "1500.00")])
    match = m.match(credit("1500.00", payer="CABINET FONTAINE ET ASSOCIES"))
    assert match.allocations == [(7, D("1500.00"))] and match.confidence >= 0.9
    groupe = m.match(credit("1500.00", payer="Groupe Cabinet Fontaine SAS"))
    assert groupe.customer_id == 70


def test_payer_named_inside_the_bank_label():
    """A label with no 'DE' part ('VIR SEPA BOULANGERIE VINCENT') still names the
    customer: with the amount of an invoice it is matched, without, it goes to
    review with the customer's invoices."""
    items = [*ITEMS, item(8, "F2026-00200", 80, "Boulangerie Vincent", "5000.00")]
    m = Matcher(items)
    match = m.match(credit("5000.00", text="VIR SEPA BOULANGERIE VINCENT"))
    assert match.allocations == [(8, D("5000.00"))] and match.confidence >= 0.8
    review = m.match(credit("4000.00", text="VIR SEPA BOULANGERIE VINCENT"))
    assert review.customer_id == 80 and review.candidates == [8]
    assert review.confidence < 0.8
    # one short word of a name is not enough to name a customer
    short = Matcher([item(9, "Z-1", 90, "SARL Léa", "70.00")])
    assert short.match(credit("70.00", text="VIR LEA")).confidence < 0.8
