"""Onboarding a client in one step: its organisation, the staff member's role,
its ledger from its FEC and its payments from its bank statement."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from relance.firms.models import Client
from relance.ledger.models import BankLine, Invoice
from relance.orgs.models import Membership

SAMPLES = Path(__file__).resolve().parents[1] / "formats" / "samples"


def test_a_client_from_its_fec_and_bank_statement(firm):
    out = StringIO()
    call_command(
        "firm", "onboard", "expert", "--org", "dupont", "--name", "Dupont Négoce",
        "--user", "fiona@expert.example", "--role", "collector",
        "--fec", str(SAMPLES / "fec-sage-tab.txt"),
        "--bank", str(SAMPLES / "bank-debit-credit.csv"), "--json", stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    client = Client.objects.get(org__slug="dupont")
    assert client.firm == firm["firm"]
    assert (
        Membership.objects.get(user=firm["fiona"], org=client.org).role == "collector"
    )
    assert (
        result["invoices"]["imported"]
        == Invoice.objects.filter(org=client.org).count()
        > 0
    )
    assert (
        result["bank"]["lines"] == BankLine.objects.filter(org=client.org).count() > 0
    )
    assert not Invoice.objects.filter(org=client.org, number="F-acme").exists()


def test_an_existing_slug_is_refused_and_nothing_is_made(firm):
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "firm", "onboard", "expert", "--org", "acme", "--name", "Again",
            "--user", "fiona@expert.example",
        )  # fmt: skip
    assert Client.objects.filter(firm=firm["firm"]).count() == 4
