"""The ECB main refinancing rate from the ECB Data Portal (SDMX REST API, series
FM.D.U2.EUR.4F.KR.MRR_FR.LEV, CSV). What it brings is a proposal: each new rate
waits for a person to confirm it against the ECB's press release."""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode
from urllib.request import urlopen

from relance.core.rates import RateTable

SERIES = "FM.D.U2.EUR.4F.KR.MRR_FR.LEV"
URL = "https://data-api.ecb.europa.eu/service/data/FM/D.U2.EUR.4F.KR.MRR_FR.LEV"
TIMEOUT_SECONDS = 30
MAX_BYTES = 5_000_000  # ten years of the daily series is about 3 MB


class PortalError(ValueError):
    """The answer is not the series we asked for."""


@dataclass(frozen=True, slots=True)
class Fetched:
    changes: tuple[tuple[date, Decimal], ...]  # rates the table does not have
    disagreements: tuple[str, ...]  # the table says otherwise on a day
    last_day: date  # the series' latest observation


def series_url(base: str, since: date) -> str:
    return f"{base}?{urlencode({'format': 'csvdata', 'startPeriod': since})}"


def download(url: str, opener=urlopen) -> str:
    """The CSV answer of the portal; `opener` is urllib's unless a test says."""
    with opener(url, timeout=TIMEOUT_SECONDS) as reply:
        body = reply.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        raise PortalError(f"the answer is larger than {MAX_BYTES} bytes")
    return body.decode("utf-8-sig")


def observations(text: str) -> list[tuple[date, Decimal]]:
    """(day, rate) of each row of the series, in date order, by column name."""
    reader = csv.DictReader(io.StringIO(text))
    if not {"KEY", "TIME_PERIOD", "OBS_VALUE"} <= set(reader.fieldnames or ()):
        raise PortalError("not an SDMX CSV answer (KEY, TIME_PERIOD, OBS_VALUE)")
    rows = []
    for row in reader:
        if row["KEY"] != SERIES:
            raise PortalError(f"unexpected series {row['KEY']!r}")
        if not row["OBS_VALUE"].strip():
            continue
        try:
            day = date.fromisoformat(row["TIME_PERIOD"])
            rate = Decimal(row["OBS_VALUE"])
        except (ValueError, InvalidOperation):
            raise PortalError(f"unreadable row {row['TIME_PERIOD']!r}") from None
        if not rate.is_finite() or not Decimal("-5") <= rate <= Decimal("30"):
            raise PortalError(f"implausible rate {row['OBS_VALUE']!r}")
        rows.append((day, rate.quantize(Decimal("0.01"))))
    if not rows:
        raise PortalError("the answer holds no observation")
    return sorted(rows)


def compare(table: RateTable, rows: list[tuple[date, Decimal]]) -> Fetched:
    """Each day the rate changes in the series, against the table. The first
    row only says the rate then in force, not when it began."""
    effective = [r.effective for r in table.ecb]

    def in_table(day: date) -> Decimal | None:
        idx = bisect_right(effective, day) - 1
        return table.ecb[idx].rate if idx >= 0 else None

    changes, disagreements = [], []
    previous = None
    for day, rate in rows:
        if rate != previous:
            known = in_table(day)
            if previous is not None and known != rate and day > effective[-1]:
                changes.append((day, rate))
            elif known != rate:
                disagreements.append(
                    f"{day.isoformat()}: the portal says {rate}%, the table {known}%"
                )
        previous = rate
    return Fetched(tuple(changes), tuple(disagreements), rows[-1][0])
