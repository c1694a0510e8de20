"""`relance rates fetch` against a loopback server answering with a stored copy of
the ECB Data Portal's CSV (tests/legal/data/ecb_mrr_fr_2026.csv: the API's
csvdata columns, series FM.D.U2.EUR.4F.KR.MRR_FR.LEV, 11 June - 3 December 2026,
2.15 % then 2.40 % from 17 June and 2.65 % from 16 September). No test reaches
the network."""

import json
import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from relance.core.rates import shipped_rates
from relance.legal import ecb_portal
from relance.legal.services import (
    confirm_fetched,
    pending_rates,
    rate_table,
    record_fetched,
)

STORED = (Path(__file__).parent / "data" / "ecb_mrr_fr_2026.csv").read_bytes()
D = Decimal


def cmd(*args):
    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def portal():
    """A loopback HTTP server that answers every GET with `portal.body`."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            self.wfile.write(server.body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.body, server.requests = STORED, requests
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_port}/service/data/FM/" + (
        "D.U2.EUR.4F.KR.MRR_FR.LEV"
    )
    yield server
    server.shutdown()
    server.server_close()


def test_fetch_proposes_what_the_table_lacks_and_waits_for_a_person(db, portal):
    tables = cmd("rates", "fetch", "--url", portal.url)
    (path,) = portal.requests
    assert path.startswith("/service/data/FM/D.U2.EUR.4F.KR.MRR_FR.LEV?")
    assert "format=csvdata" in path and "startPeriod=2025-09-16" in path
    # Both 2026 rises are shipped; the series adds that 2.65 % held to 3 Dec.
    (pending,) = tables["pending"]
    assert (pending["kind"], pending["day"]) == ("ecb_confirmed", "2026-12-03")
    assert "ECB Data Portal" in pending["source"]
    assert tables["ecb_known_until"] == "2026-09-16"  # not used before confirmed
    tables = cmd("rates", "confirm", str(pending["id"]))
    assert (tables["ecb_known_until"], tables["pending"]) == ("2026-12-03", [])


def test_a_new_rate_is_found_where_the_series_changes():
    rows = ecb_portal.observations(STORED.decode())
    assert rows[0] == (date(2026, 6, 11), D("2.15")) and len(rows) == 176
    shipped = shipped_rates()
    before = replace(shipped, ecb=shipped.ecb[:-1])  # without September
    fetched = ecb_portal.compare(before, rows)
    assert fetched.changes == ((date(2026, 9, 16), D("2.65")),)
    assert (fetched.disagreements, fetched.last_day) == ((), date(2026, 12, 3))
    assert ecb_portal.compare(shipped, rows).changes == ()
    wrong = replace(
        shipped,
        ecb=(*shipped.ecb[:-2], replace(shipped.ecb[-2], rate=D("2.50"))),
    )
    assert ecb_portal.compare(wrong, rows).disagreements == (
        "2026-06-17: the portal says 2.40%, the table 2.50%",
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html><body>Service unavailable</body></html>", "not an SDMX CSV"),
        (STORED.replace(b"MRR_FR.LEV,D", b"DFR.LEV,D", 1), "unexpected series"),
        (STORED.replace(b",2.15,", b",215,", 1), "implausible rate"),
        (STORED.splitlines()[0] + b"\n", "no observation"),
    ],
)
def test_an_answer_that_is_not_the_series_changes_nothing(db, portal, body, reason):
    portal.body = body
    with pytest.raises(CommandError, match=reason):
        cmd("rates", "fetch", "--url", portal.url)
    assert not pending_rates().exists()


def test_an_unreachable_portal_is_a_clear_error(db, portal):
    url = portal.url
    portal.shutdown()
    portal.server_close()
    with pytest.raises(CommandError, match="ECB Data Portal"):
        cmd("rates", "fetch", "--url", url)


def test_a_rate_held_until_a_day_is_confirmed_after_the_changes_before_it(db):
    """A series that would bring a change on 16 December and run to 5 January."""
    fetched = ecb_portal.Fetched(
        ((date(2026, 12, 16), D("2.90")),), (), date(2027, 1, 5)
    )
    change, held = record_fetched(fetched, "ECB Data Portal (test)", "test")
    with pytest.raises(ValidationError, match="confirmez d'abord"):
        confirm_fetched(held.pk, "alice")
    confirm_fetched(change.pk, "alice")
    confirm_fetched(held.pk, "alice")
    table = rate_table()
    assert table.ecb_known_until == date(2027, 1, 5)
    assert table.b2b_rate(date(2027, 2, 1))[0] == D("12.90")
    with pytest.raises(ValidationError, match="aucun taux en attente"):
        confirm_fetched(held.pk, "alice")
