"""Business days and send times: weekends and public holidays per country."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=32)
def _holidays(country: str, subdiv: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdiv)


class BusinessCalendar:
    """Saturday and Sunday off, plus the country's public holidays."""

    def __init__(self, country: str = "FR", subdiv: str | None = None) -> None:
        self.country = country
        self.subdiv = subdiv
        self._days_off = _holidays(country, subdiv)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._days_off

    def holiday_name(self, day: date) -> str | None:
        return self._days_off.get(day)

    def next_business_day(self, day: date) -> date:
        """`day` itself when it is a business day, else the next one."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def add_business_days(self, day: date, count: int) -> date:
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        while remaining:
            day += timedelta(days=step)
            if self.is_business_day(day):
                remaining -= 1
        return day


def local_instant(day: date, at: time, tz: str) -> datetime:
    """An aware datetime for a local wall-clock time in the given zone."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz))
