"""The links between actions and invoices carry no foreign-key constraint in the
database (see dunning.models.ActionInvoice): what the constraint would guarantee
is kept by the code, and checked here on SQLite and PostgreSQL."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from relance.dunning.models import Action, ActionInvoice
from relance.dunning.services import run_dunning
from relance.orgs.services import delete_organisation
from tests.factories import make_invoice

DUE = date(2026, 3, 2)


@pytest.fixture
def chased(acme):
    make_invoice(acme, "F1", DUE)
    make_invoice(acme, "F2", DUE)
    make_invoice(acme, "F3", DUE, customer_ref="C2")
    run_dunning(acme, DUE + timedelta(days=2))
    assert ActionInvoice.objects.count() == 3
    return acme


def test_every_link_points_at_an_action_and_an_invoice_of_its_organisation(chased):
    for link in ActionInvoice.objects.select_related("action", "invoice"):
        assert link.action.org_id == link.invoice.org_id == chased.pk
        assert link.invoice.customer_id == link.action.customer_id
        assert (link.step, link.run_date) == (link.action.step, link.action.run_date)


def test_deleting_an_action_or_an_invoice_deletes_its_links(chased):
    action = Action.objects.get(customer__ref="C1")
    action.delete()
    assert list(ActionInvoice.objects.values_list("invoice__number", flat=True)) == [
        "F3"
    ]
    ActionInvoice.objects.get().invoice.delete()
    assert not ActionInvoice.objects.exists()


def test_deleting_an_organisation_leaves_no_link(chased, other):
    make_invoice(other, "O1", DUE)
    run_dunning(other, DUE + timedelta(days=2))
    delete_organisation(chased)
    assert list(ActionInvoice.objects.values_list("invoice__number", flat=True)) == [
        "O1"
    ]


def test_a_step_is_still_recorded_once_per_invoice(chased):
    link = ActionInvoice.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionInvoice.objects.create(
            action=link.action, invoice=link.invoice, step=link.step, run_date=DUE
        )
