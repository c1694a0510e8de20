"""The SEPA transfer QR code a reminder carries: the creditor's bank details,
what is still open on the reminder's invoices, and the reminder's RF reference,
so the bank line that comes back pays exactly those invoices."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from relance.core import creditor_reference, payment_qr
from relance.ledger.models import Invoice
from relance.orgs.models import org_today

from .models import Action, ActionStatus, Hold, HoldKind


@dataclass(frozen=True, slots=True)
class ScanToPay:
    reference: str
    amount: Decimal
    invoices: list[str]
    payload: str

    @property
    def printed_reference(self) -> str:
        return creditor_reference.printed(self.reference)

    def png(self) -> bytes:
        return payment_qr.png(self.payload)

    def slip(self, org, lang: str) -> bytes:
        """The transfer slip in the payer's language, as a one-page PDF."""
        from django.utils.translation import gettext, override

        from relance.core.identifiers import format_iban
        from relance.formats.payment_slip import Slip, slip_pdf

        with override(lang):
            fields = [
                (gettext("Beneficiary"), org.name),
                ("IBAN", format_iban(org.iban)),
                *([("BIC", org.bic)] if org.bic else []),
                (gettext("Amount"), f"{self.amount} EUR"),
                (gettext("Reference"), self.printed_reference),
                (gettext("Invoices"), ", ".join(self.invoices)),
            ]
            return slip_pdf(
                Slip(
                    title=gettext("SEPA transfer"),
                    caption=gettext(
                        "Scan the code with your banking app: it fills in the "
                        "transfer. Please keep the reference."
                    ),
                    fields=fields,
                    qr_png=self.png(),
                )
            )

    def data_uri(self) -> str:
        """The PNG inline, for a page (the CSP allows data: images)."""
        return "data:image/png;base64," + base64.b64encode(self.png()).decode()


def for_action(action: Action) -> ScanToPay | None:
    """None when there is nothing to pay in euros or no valid IBAN to pay to."""
    org = action.org
    if not org.iban:
        return None
    invoices = [
        inv
        for inv in Invoice.objects.filter(
            org=org, actioninvoice__action=action, currency="EUR"
        ).order_by("due_date", "number")
        if not inv.is_paid
    ]
    if _declared_paid(org, invoices):  # a code then would invite a second payment
        return None
    amount = sum((inv.total - inv.amount_paid for inv in invoices), Decimal("0"))
    if amount <= 0:
        return None
    reference = creditor_reference.for_reminder(action.pk)
    transfer = payment_qr.Transfer(
        name=org.name, iban=org.iban, bic=org.bic, amount=amount, reference=reference
    )
    try:
        text = payment_qr.payload(transfer)
    except (
        ValueError
    ):  # bank details a bank would refuse: no code rather than a bad one
        return None
    return ScanToPay(reference, amount, [inv.number for inv in invoices], text)


def _declared_paid(org, invoices: list[Invoice]) -> bool:
    """Whether the debtor said one of `invoices` is paid, and that still holds."""
    return (
        Hold.objects.filter(
            org=org, kind=HoldKind.PAYMENT_PENDING, invoice__in=invoices, ended_at=None
        )
        .filter(Q(until__isnull=True) | Q(until__gte=org_today(org)))
        .exists()
    )


def latest_for_customer(customer) -> ScanToPay | None:
    """The code of the customer's latest reminder gone out (or going) that
    still has money open."""
    actions = (
        Action.objects.filter(org=customer.org, customer=customer)
        .filter(status__in=[ActionStatus.QUEUED, ActionStatus.DONE, ActionStatus.TODO])
        .select_related("org")
        .order_by("-run_date", "-id")[:5]
    )
    for action in actions:
        found = for_action(action)
        if found is not None:
            return found
    return None


def with_slip(pdf: bytes, customer, lang: str) -> bytes:
    """A letter with the transfer slip of the customer's latest reminder as its
    last page; the letter alone when there is none."""
    from relance.formats.payment_slip import appended

    scan = latest_for_customer(customer)
    return appended(pdf, scan.slip(customer.org, lang)) if scan else pdf
