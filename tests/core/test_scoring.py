from datetime import date, timedelta

from relance.core.scoring import PastInvoice, Segment, score

TODAY = date(2026, 11, 22)


def history(delays):
    """Invoices due every 20 days back from today, paid `delay` days late (None: unpaid)."""
    out = []
    for n, delay in enumerate(reversed(delays), 1):
        due = TODAY - timedelta(days=20 * n + 5)
        out.append(
            PastInvoice(due, None if delay is None else due + timedelta(days=delay))
        )
    return out


def test_good_payer():
    s = score(history([0, -2, 1, 3, 0, 2]), TODAY)
    assert s.segment is Segment.GOOD and s.late_share == 0
    assert s.reason.startswith("good payer: 0 of 6 invoices")


def test_occasional_and_chronic_late_payers():
    assert score(history([0, 12, 0, 1, 0, 0]), TODAY).segment is Segment.OCCASIONAL
    chronic = score(history([20, 35, 18, 40, 25, 30]), TODAY)
    assert chronic.segment is Segment.CHRONIC and chronic.average_days_late == 28


def test_a_recent_slide_makes_a_chronic_late_payer():
    s = score(history([0, 0, 0, 0, 35, 40, None]), TODAY)  # last one still unpaid
    assert s.segment is Segment.CHRONIC and s.recent_days_late >= 30


def test_little_history_gets_the_benefit_of_the_doubt_and_key_accounts_win():
    assert score(history([50]), TODAY).segment is Segment.GOOD
    s = score(history([20, 35, 18, 40]), TODAY, key_account=True)
    assert s.segment is Segment.KEY_ACCOUNT and "key account" in s.reason


def test_old_and_future_invoices_do_not_count():
    old = [PastInvoice(TODAY - timedelta(days=400), TODAY - timedelta(days=300))] * 5
    future = [PastInvoice(TODAY + timedelta(days=10), None)] * 5
    assert score(old + future, TODAY).invoices == 0
