from datetime import date, time

from relance.core.calendar import BusinessCalendar, local_instant


def test_weekends_and_french_holidays_are_skipped():
    cal = BusinessCalendar("FR")
    assert not cal.is_business_day(date(2026, 12, 25))  # Noël, a Friday
    assert cal.next_business_day(date(2026, 12, 25)) == date(2026, 12, 28)
    assert cal.next_business_day(date(2026, 11, 22)) == date(2026, 11, 23)  # Sunday
    assert cal.next_business_day(date(2026, 11, 24)) == date(2026, 11, 24)
    assert cal.add_business_days(date(2026, 4, 30), 1) == date(2026, 5, 4)  # 1 May


def test_local_instant_is_aware_in_paris():
    at = local_instant(date(2026, 7, 1), time(9), "Europe/Paris")
    assert at.utcoffset().total_seconds() == 7200
