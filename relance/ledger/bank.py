"""Bank statements in: each credit is matched to open invoices; confident matches
become payments allocated to the invoices, the others wait for review with their
candidates. A reminder must never cross a payment, so this is also where invoices
become paid and what was pending for them is cancelled."""

from __future__ import annotations

import hashlib
from datetime import date

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext

from relance.core.matching import Credit, Matcher, OpenItem
from relance.dunning.payment_reference import reminded_invoices
from relance.formats.bank import read_bank
from relance.orgs.models import Organisation
from relance.timeline.services import NewEvent, record_many

from .models import (
    Allocation,
    BankLine,
    BankLineStatus,
    ImportBatch,
    Invoice,
    Payment,
    PaymentSource,
    RejectedRow,
)
from .services import import_limits, refresh_paid
from .signals import announce_paid

APPLY_FROM = 0.8  # confidence at which a match is applied without a person


def import_bank(org: Organisation, data: bytes, filename: str, actor: str) -> dict:
    result = read_bank(data, import_limits())
    reasons = [e.message(gettext) for e in result.errors]
    credits = [x for x in result.records if x.amount > 0]
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            org=org,
            kind="bank",
            filename=filename,
            actor=actor,
            sha256=hashlib.sha256(data).hexdigest(),
            details=result.details,
        )
        RejectedRow.objects.bulk_create(
            [
                RejectedRow(batch=batch, row=e.row, reason=why, raw=e.raw)
                for e, why in zip(result.errors, reasons, strict=True)
            ]
        )
        known = set(
            BankLine.objects.filter(
                org=org, checksum__in=[x.checksum for x in credits]
            ).values_list("checksum", flat=True)
        )
        fresh, duplicates = [], 0
        for line in credits:
            if line.checksum in known:
                duplicates += 1
            else:
                known.add(line.checksum)
                fresh.append(line)
        counts = _apply(org, batch, fresh, actor)
        latest = result.details.get("latest_booking")
        if latest:
            day = date.fromisoformat(latest)
            if org.bank_data_as_of is None or day > org.bank_data_as_of:
                Organisation.objects.filter(pk=org.pk).update(bank_data_as_of=day)
                org.bank_data_as_of = day
        batch.imported, batch.rejected = len(fresh), len(result.errors)
        batch.save(update_fields=["imported", "rejected"])
    return {
        "batch": batch.pk,
        "lines": len(credits),
        "duplicates": duplicates,
        **counts,
        "ignored_debits": len(result.records) - len(credits),
        "rejected": [
            {"row": e.row, "reason": why}
            for e, why in zip(result.errors, reasons, strict=True)
        ],
        "notes": [n.message(gettext) for n in result.notes],
        # A file that gave no line and errors is unreadable: a script must know.
        "ok": bool(result.records) or not reasons,
        "reason": "" if result.records or not reasons else reasons[0],
    }


def _open_items(org) -> list[OpenItem]:
    rows = Invoice.objects.filter(org=org, amount_paid__lt=F("total")).values_list(
        "id",
        "number",
        "customer_id",
        "customer__name",
        "total",
        "amount_paid",
        "currency",
        "due_date",
    )
    return [
        OpenItem(i, n, c, name, total - paid, cur, due)
        for i, n, c, name, total, paid, cur, due in rows
    ]


def _apply(org, batch, lines, actor) -> dict:
    matcher = Matcher(_open_items(org), amounts={x.amount for x in lines})
    numbers = {i.invoice_id: i.number for i in matcher.items.values()}
    counts = {"matched": 0, "to_review": 0, "unmatched": 0}
    events, touched = [], set()
    for line in lines:
        match = matcher.match(
            Credit(
                line.checksum,
                line.amount,
                line.currency,
                line.payer,
                f"{line.remittance} {line.creditor_ref}",
                reminded_invoices(
                    org, f"{line.creditor_ref} {line.remittance} {line.bank_ref}"
                ),
            )
        )
        applied = match.confidence >= APPLY_FROM and bool(match.allocations)
        payment = Payment.objects.create(
            org=org,
            customer_id=match.customer_id,
            received_on=line.booked,
            amount=line.amount,
            currency=line.currency,
            reference=(line.remittance or line.creditor_ref)[:200],
            source=PaymentSource.BANK,
        )
        if applied:
            matcher.consume(match)
            Allocation.objects.bulk_create(
                [
                    Allocation(payment=payment, invoice_id=inv, amount=amount)
                    for inv, amount in match.allocations
                ]
            )
            for inv, amount in match.write_offs:
                fee = Payment.objects.create(
                    org=org,
                    customer_id=match.customer_id,
                    received_on=line.booked,
                    amount=amount,
                    currency=line.currency,
                    source=PaymentSource.WRITE_OFF,
                    reference=f"bank fees on {line.bank_ref or line.checksum[:12]}",
                )
                Allocation.objects.create(payment=fee, invoice_id=inv, amount=amount)
            touched |= {inv for inv, _ in [*match.allocations, *match.write_offs]}
            status = BankLineStatus.MATCHED
        elif match.candidates or match.customer_id:
            status = BankLineStatus.TO_REVIEW
        else:
            status = BankLineStatus.UNMATCHED
        counts[str(status)] += 1
        BankLine.objects.create(
            org=org,
            batch=batch,
            checksum=line.checksum,
            booked=line.booked,
            amount=line.amount,
            currency=line.currency,
            payer=line.payer[:200],
            remittance=line.remittance,
            creditor_ref=line.creditor_ref[:64],
            bank_ref=line.bank_ref[:100],
            status=status,
            confidence=match.confidence,
            reason=match.reason[:300],
            candidates=[numbers[i] for i in match.candidates],
            payment=payment,
        )
        events.append(
            NewEvent(
                f"bank.{status}",
                {
                    "amount": line.amount,
                    "payer": line.payer,
                    "booked": line.booked,
                    "remittance": line.remittance,
                    "reason": match.reason,
                    "invoices": [numbers[i] for i, _ in match.allocations]
                    if applied
                    else [],
                },
                customer_id=match.customer_id,
            )
        )
    newly_paid = refresh_paid(touched)
    record_many(org, events, actor=actor)
    if newly_paid:
        announce_paid(org, newly_paid, actor)
    return counts


WAITING = (BankLineStatus.TO_REVIEW, BankLineStatus.UNMATCHED)


def review_queue(org):
    """Credits a person must look at, oldest first."""
    return BankLine.objects.filter(org=org, status__in=WAITING).order_by("booked", "pk")


def _lock_waiting(org, line: BankLine) -> BankLine:
    """The line, locked, if it still waits for a person's decision."""
    line = BankLine.objects.select_for_update().get(pk=line.pk, org=org)
    if line.status not in WAITING:
        raise ValueError(
            gettext("this line is already %(status)s")
            % {"status": line.get_status_display()}
        )
    return line


def review_candidates(line: BankLine) -> list[Invoice]:
    """The invoices to offer for a line: those the matcher proposed, then the other
    open invoices of the customer it recognised."""
    open_ = Invoice.objects.filter(
        org=line.org, amount_paid__lt=F("total"), currency=line.currency
    ).select_related("customer")
    customer = line.payment.customer_id if line.payment else None
    offered = Q(number__in=line.candidates)
    if customer:
        offered |= Q(customer_id=customer)
    return sorted(
        open_.filter(offered),
        key=lambda i: (i.number not in line.candidates, i.due_date, i.number),
    )


def apply_review(org, line: BankLine, numbers: list[str], actor: str) -> dict:
    """A person's decision: this money pays these invoices, oldest first, each up
    to what is still open on it. What is left stays on the payment, unallocated."""
    with transaction.atomic():
        line = _lock_waiting(org, line)
        invoices = list(
            Invoice.objects.select_for_update()
            .filter(org=org, number__in=numbers)
            .order_by("due_date", "number")
        )
        unknown = sorted(set(numbers) - {i.number for i in invoices})
        if unknown:
            raise ValueError(
                gettext("no such invoice: %(numbers)s")
                % {"numbers": ", ".join(unknown)}
            )
        if not invoices:
            raise ValueError(gettext("choose at least one invoice"))
        if {i.customer_id for i in invoices} != {invoices[0].customer_id}:
            raise ValueError(gettext("the invoices belong to different customers"))
        if any(i.currency != line.currency for i in invoices):
            raise ValueError(
                gettext("the invoices are not all in %(currency)s")
                % {"currency": line.currency}
            )
        left, parts = line.amount, []
        for inv in invoices:
            part = min(left, inv.total - inv.amount_paid)
            if part > 0:
                parts.append((inv, part))
                left -= part
        if not parts:
            raise ValueError(gettext("the chosen invoices are already paid"))
        payment = line.payment
        payment.customer_id = invoices[0].customer_id
        payment.save(update_fields=["customer"])
        Allocation.objects.bulk_create(
            [Allocation(payment=payment, invoice=inv, amount=a) for inv, a in parts]
        )
        line.status = BankLineStatus.MATCHED
        line.reason = f"matched by {actor}"[:300]
        line.save(update_fields=["status", "reason"])
        newly_paid = refresh_paid(inv.pk for inv, _ in parts)
        record_many(
            org,
            [
                NewEvent(
                    "bank.reviewed",
                    {
                        "amount": line.amount,
                        "booked": line.booked,
                        "invoices": [inv.number for inv, _ in parts],
                        "unallocated": left,
                    },
                    customer_id=payment.customer_id,
                )
            ],
            actor=actor,
        )
        if newly_paid:
            announce_paid(org, newly_paid, actor)
    return {"allocated": [inv.number for inv, _ in parts], "unallocated": left}


def dismiss_line(org, line: BankLine, actor: str, reason: str = "") -> None:
    """Not a customer's payment (a refund, a transfer between accounts): it no
    longer waits for review nor holds the customer's reminders."""
    with transaction.atomic():
        line = _lock_waiting(org, line)
        payment, line.payment = line.payment, None
        line.status = BankLineStatus.IGNORED
        line.reason = (reason or f"dismissed by {actor}")[:300]
        line.save(update_fields=["status", "reason", "payment"])
        if payment is not None and not payment.allocations.exists():
            payment.delete()
        record_many(
            org,
            [
                NewEvent(
                    "bank.dismissed",
                    {"amount": line.amount, "booked": line.booked, "reason": reason},
                )
            ],
            actor=actor,
        )
