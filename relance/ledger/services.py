"""Writing the ledger: imports and payments. Each function owns its transaction
and records what changed on the timeline."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Sum

from relance.core.compliance import check_invoice
from relance.formats.invoices import read_invoice_file
from relance.formats.invoices_csv import InvoiceRecord, check_columns
from relance.formats.pdf_text import pdf_text
from relance.orgs.models import Organisation, org_today
from relance.timeline.services import NewEvent, record_many

from .models import (
    Allocation,
    ColumnMapping,
    Contact,
    Customer,
    ImportBatch,
    Invoice,
    Payment,
    PaymentSource,
    RejectedRow,
)

ZERO = Decimal("0")


def refresh_paid(invoice_ids: Iterable[int]) -> list[int]:
    """Recompute amount_paid and paid_on from allocations; return newly paid ids.
    Works in chunks: a large import touches more invoices than one query may name."""
    ids = list(invoice_ids)
    newly_paid: list[int] = []
    for start in range(0, len(ids), 5000):
        newly_paid += _refresh_chunk(ids[start : start + 5000])
    return newly_paid


def _refresh_chunk(ids: list[int]) -> list[int]:
    sums = {
        row["invoice_id"]: row
        for row in Allocation.objects.filter(invoice_id__in=ids)
        .values("invoice_id")
        .annotate(paid=Sum("amount"), last=Max("payment__received_on"))
    }
    invoices = list(Invoice.objects.filter(id__in=ids))
    changed, newly_paid = [], []
    for inv in invoices:
        row = sums.get(inv.id, {})
        paid = row.get("paid") or ZERO
        paid_on = row.get("last") if paid >= inv.total else None
        if (paid, paid_on) != (inv.amount_paid, inv.paid_on):
            if paid_on and not inv.paid_on:
                newly_paid.append(inv.id)
            inv.amount_paid, inv.paid_on = paid, paid_on
            changed.append(inv)
    Invoice.objects.bulk_update(changed, ["amount_paid", "paid_on"], batch_size=2000)
    return newly_paid


def invoice_defects(
    issued: date, due: date, kind: str, text: str | None = None
) -> list[dict]:
    return [
        {"code": d.code, "message": d.message, "blocking": d.blocking}
        for d in check_invoice(issued, due, b2b=kind == "b2b", document_text=text)
    ]


def saved_columns(org: Organisation, kind: str = "invoices") -> dict[str, str]:
    mapping = ColumnMapping.objects.filter(org=org, kind=kind).first()
    return dict(mapping.columns) if mapping else {}


def save_columns(
    org: Organisation, columns: dict[str, str], actor: str, kind: str = "invoices"
) -> None:
    """Keep a column mapping for the organisation's next imports."""
    check_columns(columns)
    with transaction.atomic():
        ColumnMapping.objects.update_or_create(
            org=org, kind=kind, defaults={"columns": columns}
        )
        record_many(
            org, [NewEvent("import.mapping_saved", {"columns": columns})], actor
        )


def import_invoices(
    org: Organisation,
    data: bytes,
    filename: str,
    actor: str,
    *,
    columns: dict[str, str] | None = None,
    today: date | None = None,
) -> dict:
    """Import a file of invoices: CSV or XLSX (columns guessed, or `columns`, or
    the organisation's saved mapping), FEC, CII or UBL XML, Factur-X PDF.
    Rejected rows are kept with their reason; valid rows are written together or
    not at all. Re-importing a file changes nothing."""
    result = read_invoice_file(
        data,
        columns={**saved_columns(org), **(columns or {})},
        default_days=org.default_terms_days,
    )
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            org=org,
            kind="invoices",
            filename=filename,
            sha256=hashlib.sha256(data).hexdigest(),
            actor=actor,
            details=result.details,
        )
        rejected = [(e.row, e.reason, e.raw) for e in result.errors]
        today = today or org_today(org)
        writer = _InvoiceWriter(org, actor, today)
        writer.preload([r.number for r in result.records])
        accepted = []
        for record in result.records:
            problem = writer.check(record)
            if problem:
                rejected.append((record.row, problem, {}))
            else:
                accepted.append(record)
        writer.write(accepted)
        RejectedRow.objects.bulk_create(
            [
                RejectedRow(batch=batch, row=r, reason=why, raw=raw)
                for r, why, raw in rejected
            ]
        )
        batch.imported, batch.updated, batch.rejected = (
            writer.created,
            writer.updated,
            len(rejected),
        )
        batch.save(update_fields=["imported", "updated", "rejected"])
        record_many(
            org,
            [
                *writer.events,
                NewEvent(
                    "import.completed",
                    {
                        "file": filename,
                        "batch": batch.pk,
                        "imported": batch.imported,
                        "updated": batch.updated,
                        "rejected": batch.rejected,
                    },
                ),
            ],
            actor=actor,
        )
        if writer.newly_paid:
            from relance.dunning.services import on_paid

            on_paid(org, writer.newly_paid, actor, today)
    notes = [
        result.details[k]
        for k in ("due_dates", "ignored_columns", "unlettered_credits")
        if k in result.details
    ]
    return {
        "batch": batch.pk,
        "format": result.details.get("format", ""),
        "imported": batch.imported,
        "updated": batch.updated,
        "rejected": [{"row": r, "reason": why} for r, why, _ in sorted(rejected)],
        "flagged": writer.flagged,
        "notes": notes,
    }


class _InvoiceWriter:
    """Upserts customers, contacts, invoices and imported payments in bulk."""

    FIELDS = ("issue_date", "due_date", "currency", "total_excl_tax", "tax", "total")

    def __init__(self, org: Organisation, actor: str, today: date) -> None:
        self.org, self.actor, self.today = org, actor, today
        self.created = self.updated = 0
        self.events: list[NewEvent] = []
        self.flagged: list[dict] = []
        self.newly_paid: list[int] = []
        self.existing: dict[str, Invoice] = {}

    def check(self, rec: InvoiceRecord) -> str | None:
        """Rules that need the database: an update may not go below what is paid."""
        inv = self._existing(rec.number)
        if inv is None:
            return None
        other_paid = inv.amount_paid - self._imported_paid.get(inv.id, ZERO)
        if rec.total < other_paid:
            return (
                f"total {rec.total} is less than the {other_paid} already received "
                f"for invoice {rec.number}"
            )
        if inv.currency != rec.currency and inv.amount_paid:
            return f"currency of paid invoice {rec.number} cannot change"
        return None

    def _existing(self, number: str) -> Invoice | None:
        return self.existing.get(number)

    def preload(self, numbers: list[str]) -> None:
        for start in range(0, len(numbers), 5000):
            chunk = numbers[start : start + 5000]
            for inv in Invoice.objects.filter(org=self.org, number__in=chunk):
                self.existing[inv.number] = inv
        self._imported_allocs = {
            a.invoice_id: a
            for a in Allocation.objects.filter(
                invoice__org=self.org,
                payment__source=PaymentSource.IMPORT,
                invoice_id__in=[i.id for i in self.existing.values()],
            ).select_related("payment")
        }
        self._imported_paid = {k: a.amount for k, a in self._imported_allocs.items()}

    def write(self, records: list[InvoiceRecord]) -> None:
        customers = self._customers(records)
        to_create, to_update, touched = [], [], []
        for rec in records:
            customer = customers[rec.customer_ref]
            inv = self._existing(rec.number)
            values = {f: getattr(rec, f) for f in self.FIELDS}
            values["defects"] = invoice_defects(
                rec.issue_date, rec.due_date, rec.kind, rec.document_text
            )
            if values["defects"]:
                self.flagged.append(
                    {
                        "invoice": rec.number,
                        "defects": [d["code"] for d in values["defects"]],
                    }
                )
            if inv is None:
                inv = Invoice(
                    org=self.org, customer=customer, number=rec.number, **values
                )
                to_create.append(inv)
                continue
            changes = {f: str(v) for f, v in values.items() if getattr(inv, f) != v}
            if inv.customer_id != customer.pk:
                changes["customer"] = customer.ref
                inv.customer = customer
            if changes:
                for f, v in values.items():
                    setattr(inv, f, v)
                to_update.append(inv)
                self.events.append(
                    NewEvent("invoice.updated", changes, customer.pk, inv.pk)
                )
            touched.append(inv)
        Invoice.objects.bulk_create(to_create, batch_size=2000)
        Invoice.objects.bulk_update(
            to_update, [*self.FIELDS, "defects", "customer"], batch_size=2000
        )
        self.created = len(to_create)
        for inv in to_create:
            self.events.append(
                NewEvent(
                    "invoice.created",
                    {"number": inv.number, "total": inv.total, "due": inv.due_date},
                    inv.customer_id,
                    inv.pk,
                )
            )
        by_number = {i.number: i for i in [*to_create, *touched]}
        self._documents(records, by_number)
        paid_changed = self._imported_payments(records, by_number)
        updated_ids = {i.pk for i in to_update} | paid_changed
        self.updated = len(updated_ids - {i.pk for i in to_create})
        self.newly_paid = refresh_paid(i.pk for i in by_number.values())

    def _documents(self, records, by_number: dict[str, Invoice]) -> None:
        """Keep the PDF an e-invoice came in as the invoice's document."""
        for rec in records:
            if rec.document is None:
                continue
            inv = by_number[rec.number]
            digest = hashlib.sha256(rec.document).hexdigest()
            if inv.document and _stored_sha256(inv.document) == digest:
                continue  # the same PDF again: nothing changes
            inv.document.save(
                f"{self.org.slug}-{_key(rec.number)}.pdf",
                ContentFile(rec.document),
                save=False,
            )
            Invoice.objects.filter(pk=inv.pk).update(document=inv.document.name)
            self.events.append(
                NewEvent(
                    "document.attached",
                    {"file": inv.document.name, "sha256": digest},
                    inv.customer_id,
                    inv.pk,
                )
            )

    def _customers(self, records: list[InvoiceRecord]) -> dict[str, Customer]:
        refs = {r.customer_ref: r for r in records}
        existing = {
            c.ref: c for c in Customer.objects.filter(org=self.org, ref__in=list(refs))
        }
        new = [
            Customer(
                org=self.org,
                ref=ref,
                name=r.customer_name,
                kind=r.kind,
                siren=r.siren,
                vat_number=r.vat_number,
            )
            for ref, r in refs.items()
            if ref not in existing
        ]
        Customer.objects.bulk_create(new, batch_size=2000)
        for c in new:
            existing[c.ref] = c
            self.events.append(
                NewEvent("customer.created", {"ref": c.ref, "name": c.name}, c.pk)
            )
        changed = []
        for ref, r in refs.items():
            c = existing[ref]
            wanted = {
                "name": r.customer_name,
                "kind": r.kind,
                "siren": r.siren or c.siren,
                "vat_number": r.vat_number or c.vat_number,
            }
            diff = {k: v for k, v in wanted.items() if getattr(c, k) != v}
            if diff and c not in new:
                for k, v in diff.items():
                    setattr(c, k, v)
                changed.append(c)
                self.events.append(NewEvent("customer.updated", diff, c.pk))
        Customer.objects.bulk_update(
            changed, ["name", "kind", "siren", "vat_number"], batch_size=2000
        )
        self._contacts(refs, existing)
        return existing

    def _contacts(self, refs, customers: dict[str, Customer]) -> None:
        known = defaultdict(set)
        for cid, email in Contact.objects.filter(
            customer__in=list(customers.values())
        ).values_list("customer_id", "email"):
            known[cid].add(email.lower())
        new = []
        for ref, r in refs.items():
            c = customers[ref]
            for email in r.customer_emails:
                if email.lower() not in known[c.pk]:
                    known[c.pk].add(email.lower())
                    new.append(Contact(org=self.org, customer=c, email=email))
        Contact.objects.bulk_create(new, batch_size=2000)
        for contact in new:
            self.events.append(
                NewEvent("contact.added", {"email": contact.email}, contact.customer_id)
            )

    def _imported_payments(self, records, by_number: dict[str, Invoice]) -> set[int]:
        """Keep one 'import' payment per invoice equal to what the file says is paid
        beyond payments known from other sources."""
        changed: set[int] = set()
        new: list[tuple[Invoice, Decimal, date]] = []
        for rec in records:
            inv = by_number[rec.number]
            alloc = self._imported_allocs.get(inv.pk)
            current = alloc.amount if alloc else ZERO
            other = (inv.amount_paid - current) if inv.amount_paid else ZERO
            wanted = max(rec.paid - other, ZERO)
            on = rec.paid_date or (alloc.payment.received_on if alloc else self.today)
            if alloc is None and wanted == 0:
                continue
            if (
                alloc is not None
                and wanted == alloc.amount
                and on == alloc.payment.received_on
            ):
                continue
            if alloc is None:
                new.append((inv, wanted, on))
            elif wanted == 0:  # the file no longer says it is paid
                Allocation.objects.filter(pk=alloc.pk).delete()
                Payment.objects.filter(pk=alloc.payment_id).delete()
            else:
                Payment.objects.filter(pk=alloc.payment_id).update(
                    amount=wanted, received_on=on
                )
                Allocation.objects.filter(pk=alloc.pk).update(amount=wanted)
            changed.add(inv.pk)
            self.events.append(
                NewEvent(
                    "payment.imported",
                    {"invoice": inv.number, "paid": rec.paid, "on": on},
                    inv.customer_id,
                    inv.pk,
                )
            )
        payments = Payment.objects.bulk_create(
            [
                Payment(
                    org=self.org,
                    customer_id=inv.customer_id,
                    received_on=on,
                    amount=amount,
                    currency=inv.currency,
                    reference=f"import:{inv.number}",
                    source=PaymentSource.IMPORT,
                )
                for inv, amount, on in new
            ],
            batch_size=2000,
        )
        Allocation.objects.bulk_create(
            [
                Allocation(payment=p, invoice=inv, amount=amount)
                for p, (inv, amount, _) in zip(payments, new, strict=True)
            ],
            batch_size=2000,
        )
        return changed


def _stored_sha256(field) -> str | None:
    try:
        with field.open("rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def _key(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def attach_documents(org: Organisation, files: list[tuple[str, bytes]], actor: str):
    """Attach invoice PDFs, matched by the invoice number in the file name, and
    re-check the invoice's mentions against its text."""
    invoices = {
        _key(i.number): i
        for i in Invoice.objects.filter(org=org).select_related("customer")
    }
    attached, rejected, flagged, events = [], [], [], []
    for name, data in files:
        stem = Path(name).stem
        candidates = [_key(stem), *(_key(p) for p in re.split(r"[ _.]+", stem))]
        invoice = next((invoices[c] for c in candidates if c in invoices), None)
        if invoice is None:
            rejected.append(
                {
                    "file": name,
                    "reason": "no invoice number of this organisation in the file name",
                }
            )
            continue
        text, error = pdf_text(data)
        if error:
            rejected.append({"file": name, "reason": error})
            continue
        invoice.document.save(
            f"{org.slug}-{Path(name).name}", ContentFile(data), save=False
        )
        invoice.defects = [
            {"code": d.code, "message": d.message, "blocking": d.blocking}
            for d in check_invoice(
                invoice.issue_date,
                invoice.due_date,
                b2b=invoice.customer.kind == "b2b",
                document_text=text,
            )
        ]
        invoice.save(update_fields=["document", "defects", "updated_at"])
        attached.append(invoice.number)
        if invoice.defects:
            flagged.append(
                {
                    "invoice": invoice.number,
                    "defects": [d["code"] for d in invoice.defects],
                }
            )
        events.append(
            NewEvent(
                "document.attached",
                {"file": name, "sha256": hashlib.sha256(data).hexdigest()},
                invoice.customer_id,
                invoice.pk,
            )
        )
    record_many(org, events, actor=actor)
    return {"attached": attached, "rejected": rejected, "flagged": flagged}
