import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def cmd(*args):
    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_penalties_json_contract(db):
    data = cmd(
        "penalties", "--amount", "12000", "--due", "2025-05-15", "--paid", "2025-08-20"
    )
    assert (data["interest"], data["indemnity"], data["total"]) == (
        "402.59",
        "40.00",
        "442.59",
    )
    assert [
        (p["from"], p["to"], p["days"], p["base"], p["rate"], p["interest"])
        for p in data["periods"]
    ] == [
        ("2025-05-16", "2025-06-30", 46, "12000.00", "13.15", "198.87"),
        ("2025-07-01", "2025-08-20", 51, "12000.00", "12.15", "203.72"),
    ]
    assert data["prescription"] == "2030-05-15"


def test_penalties_with_payments_b2c_rate_and_freeze(db):
    partial = cmd(
        "penalties",
        "--amount",
        "10000",
        "--due",
        "2025-05-31",
        "--paid",
        "2025-09-10",
        "--payment",
        "2025-06-15:4000",
        "--payment",
        "2025-09-10:6000",
    )
    assert partial["interest"] == "230.27"
    consumer = cmd(
        "penalties",
        "--amount",
        "1500",
        "--due",
        "2025-04-30",
        "--paid",
        "2025-09-15",
        "--b2c",
        "--notice",
        "2025-06-10",
    )
    assert (consumer["interest"], consumer["indemnity"]) == ("11.78", "0.00")
    assert consumer["prescription"] == "2027-04-30"
    frozen = cmd(
        "penalties",
        "--amount",
        "12000",
        "--due",
        "2025-05-15",
        "--paid",
        "2025-08-20",
        "--freeze",
    )
    assert frozen["interest"] == "419.36"
    low = cmd(
        "penalties",
        "--amount",
        "1000",
        "--due",
        "2024-03-01",
        "--paid",
        "2024-04-01",
        "--rate",
        "12",
    )
    assert "15.21" in low["warnings"][0]


def test_missing_rate_says_how_to_add_it_then_works(db):
    with pytest.raises(CommandError, match="relance rates add-ecb"):
        cmd(
            "penalties",
            "--amount",
            "1000",
            "--due",
            "2026-12-20",
            "--paid",
            "2027-01-10",
        )
    cmd(
        "rates",
        "add-ecb",
        "--effective",
        "2026-12-16",
        "--rate",
        "2,90",
        "--source",
        "ECB decision (test)",
    )
    tables = cmd(
        "rates", "confirm-ecb", "--until", "2027-01-21", "--source", "ECB, test"
    )
    assert tables["ecb_known_until"] == "2027-01-21"
    data = cmd(
        "penalties", "--amount", "1000", "--due", "2026-12-20", "--paid", "2027-01-10"
    )
    assert [p["rate"] for p in data["periods"]] == ["12.40", "12.90"]


def test_penalties_through_today_and_the_contracts_rate(db):
    """Through 4 December 2026 (the ECB rise of June gives 12.40 % from 1 July):
    1,000 EUR due 1 May 2026: 60 d at 12.15 % + 157 d at 12.40 % = 73.31 EUR.
    The issue's case: 10,000 EUR, 100 days in 2026 S1, terms 3 x the legal rate:
    7.86 %, 215.34 EUR; a public buyer 2.15 + 8 = 10.15 %, 278.08 EUR."""
    today = cmd(
        "penalties", "--amount", "1000", "--due", "2026-05-01", "--paid", "2026-12-04"
    )
    assert (today["interest"], today["indemnity"]) == ("73.31", "40.00")
    case = ["--amount", "10000", "--due", "2026-01-10", "--paid", "2026-04-20"]
    assert cmd("penalties", *case)["interest"] == "332.88"
    assert cmd("penalties", *case, "--rate", "3x")["interest"] == "215.34"
    public = cmd("penalties", *case, "--public")
    assert (public["interest"], public["indemnity"]) == ("278.08", "40.00")
    with pytest.raises(CommandError, match="contractual rate"):
        cmd("penalties", *case, "--rate", "three")


def test_rates_show_and_add_a_legal_half_year(db):
    tables = cmd("rates")
    s2024 = next(s for s in tables["half_years"] if s["half_year"] == "2024-01-01")
    assert (s2024["l441_10_rate"], s2024["floor_3x_legal"]) == ("14.50", "15.21")
    with pytest.raises(CommandError, match="1er janvier ou le 1er juillet"):
        cmd(
            "rates",
            "add-legal",
            "--start",
            "2026-08-01",
            "--individual",
            "6",
            "--other",
            "2.5",
            "--source",
            "x",
        )
    tables = cmd(
        "rates",
        "add-legal",
        "--start",
        "2026-07-01",
        "--individual",
        "6.10",
        "--other",
        "2.40",
        "--source",
        "Arrêté (test)",
    )
    assert tables["half_years"][-1]["legal_other"] == "2.40"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--amount", "abc", "--due", "2025-01-01", "--paid", "2025-02-01"],
            "not an amount",
        ),
        (["--amount", "10", "--due", "01/01/2025", "--paid", "2025-02-01"], "--due"),
        (
            ["--amount", "10", "--due", "2025-03-01", "--paid", "2025-02-01"],
            "before the due date",
        ),
        (
            [
                "--amount",
                "10",
                "--due",
                "2025-01-01",
                "--paid",
                "2025-02-01",
                "--payment",
                "5",
            ],
            "YYYY-MM-DD:AMOUNT",
        ),
    ],
)
def test_bad_arguments_are_named(db, args, message):
    with pytest.raises(CommandError, match=message):
        cmd("penalties", *args)
