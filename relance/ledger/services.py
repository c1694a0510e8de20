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
from typing import NamedTuple

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext

from relance import bulk
from relance.core.compliance import check_invoice
from relance.core.gc_pause import paused_gc
from relance.formats import pdf_safety
from relance.formats.invoices import read_invoice_file
from relance.formats.invoices_csv import InvoiceRecord, check_columns
from relance.formats.limits import MB, Limits, size_error
from relance.formats.pdf_text import pdf_text
from relance.orgs.models import Organisation, org_today
from relance.timeline.services import QUOTE, NewEvent, record_many

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
from .signals import announce_paid

ZERO = Decimal("0")
FEW = 100  # invoices looked up by id rather than by a pass over them all


def refresh_paid(invoice_ids: Iterable[int]) -> list[int]:
    """Recompute amount_paid and paid_on from allocations; return newly paid ids.
    Works in chunks: a large import touches more invoices than one query may name."""
    newly_paid: list[int] = []
    for chunk in _chunks(list(invoice_ids)):
        newly_paid += _refresh_chunk(chunk)
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


def id_defect(field: str, value: str) -> dict:
    """A buyer's identifier the file gives but that is not valid: not kept, and
    said on the invoice for someone to check (the invoice is still owed)."""
    return {
        "code": "buyer_identifier",
        "message": f"the buyer's {field} {value!r} is not valid and was not kept",
        "blocking": False,
        "field": field,
        "value": value,
    }


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


def import_limits() -> Limits:
    """What an import file may cost; its size from RELANCE_IMPORT_MAX_MB."""
    return Limits(file_bytes=settings.RELANCE_IMPORT_MAX_MB * MB)


def oversize(size: int) -> str | None:
    """Why a file of `size` bytes is refused before it is even read (the web
    form and the command ask), in the user's language; None if it may be."""
    error = size_error(size, import_limits())
    return error.message(gettext) if error else None


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
    with paused_gc():  # a million rows: millions of objects, no cycles
        return _import_invoices(org, data, filename, actor, columns, today)


def _import_invoices(org, data, filename, actor, columns, today) -> dict:
    result = read_invoice_file(
        data,
        columns={**saved_columns(org), **(columns or {})},
        default_days=org.default_terms_days,
        limits=import_limits(),
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
        rejected = [(e.row, e.message(gettext), e.raw) for e in result.errors]
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
            announce_paid(org, writer.newly_paid, actor, today)
    notes = [
        result.details[k]
        for k in ("due_dates", "ignored_columns", "unlettered_credits", "not_owed")
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


def created_event(rec: InvoiceRecord, customer_id: int, invoice_id: int) -> NewEvent:
    """The timeline's record of a new invoice, its text written directly: a
    large import makes a million (the same text as stored_text gives)."""
    return NewEvent(
        "invoice.created",
        {"number": rec.number, "total": rec.total, "due": rec.due_date},
        customer_id,
        invoice_id,
        f'{{"due":"{rec.due_date}","number":{QUOTE(rec.number)},'
        f'"total":"{rec.total}"}}',
    )


class _Known(NamedTuple):
    """An invoice already in the ledger, as the import compares it."""

    id: int
    number: str
    customer_id: int
    issue_date: date
    due_date: date
    currency: str
    total_excl_tax: Decimal | None
    tax: Decimal | None
    total: Decimal
    amount_paid: Decimal
    defects: list


class _ImportedPayment(NamedTuple):
    allocation_id: int
    payment_id: int
    amount: Decimal
    received_on: date


class _InvoiceWriter:
    """Upserts customers, contacts, invoices and imported payments. New rows go
    in with plain INSERTs (relance.bulk): a ledger of a million invoices is
    imported in one go, and the ORM's per-object cost would dominate it."""

    FIELDS = ("issue_date", "due_date", "currency", "total_excl_tax", "tax", "total")

    def __init__(self, org: Organisation, actor: str, today: date) -> None:
        self.org, self.actor, self.today = org, actor, today
        self.created = self.updated = 0
        self.events: list[NewEvent] = []
        self.flagged: list[dict] = []
        self.newly_paid: list[int] = []
        self.existing: dict[str, _Known] = {}
        self.imported: dict[int, _ImportedPayment] = {}

    def check(self, rec: InvoiceRecord) -> str | None:
        """Rules that need the database: an update may not go below what is paid."""
        known = self.existing.get(rec.number)
        if known is None:
            return None
        mine = self.imported.get(known.id)
        other_paid = known.amount_paid - (mine.amount if mine else ZERO)
        if rec.total < other_paid:
            return (
                f"total {rec.total} is less than the {other_paid} already received "
                f"for invoice {rec.number}"
            )
        if known.currency != rec.currency and known.amount_paid:
            return f"currency of paid invoice {rec.number} cannot change"
        return None

    def preload(self, numbers: list[str]) -> None:
        if not Invoice.objects.filter(org=self.org).exists():
            return  # a first import: nothing to compare with
        for chunk in _chunks(numbers):
            rows = (
                Invoice.objects.filter(org=self.org, number__in=chunk)
                .order_by()
                .values_list(*_Known._fields)
            )
            self.existing.update((row[1], _Known(*row)) for row in rows)
        ids = {k.id for k in self.existing.values()}
        if not ids:
            return
        imported = Allocation.objects.filter(
            payment__org=self.org, payment__source=PaymentSource.IMPORT
        )
        # A few invoices (one from the API) are looked up by id. For a file, all
        # the organisation's imported payments are read in one pass: naming
        # thousands of invoices in an IN list makes SQLite probe each against
        # every payment.
        if len(ids) <= FEW:
            imported = imported.filter(invoice_id__in=ids)
        for invoice_id, *rest in (
            imported.order_by()
            .values_list(
                "invoice_id", "id", "payment_id", "amount", "payment__received_on"
            )
            .iterator(chunk_size=bulk.CHUNK)
        ):
            if invoice_id in ids:
                self.imported[invoice_id] = _ImportedPayment(*rest)

    def write(self, records: list[InvoiceRecord]) -> None:
        customers = self._customers(records)
        fresh, changed, invoice_ids = [], [], {}
        for rec in records:
            customer_id = customers[rec.customer_ref]
            defects = invoice_defects(
                rec.issue_date, rec.due_date, rec.kind, rec.document_text
            ) + [id_defect(field, value) for field, value in rec.dropped_ids]
            if defects:
                self.flagged.append(
                    {"invoice": rec.number, "defects": [d["code"] for d in defects]}
                )
            known = self.existing.get(rec.number)
            if known is None:
                fresh.append((rec, customer_id, defects))
                continue
            invoice_ids[rec.number] = known.id
            changes = {
                f: str(getattr(rec, f))
                for f in self.FIELDS
                if getattr(known, f) != getattr(rec, f)
            }
            if known.defects != defects:
                changes["defects"] = str([d["code"] for d in defects])
            if known.customer_id != customer_id:
                changes["customer"] = rec.customer_ref
            if changes:
                changed.append(
                    Invoice(
                        pk=known.id,
                        customer_id=customer_id,
                        defects=defects,
                        updated_at=timezone.now(),
                        **{f: getattr(rec, f) for f in self.FIELDS},
                    )
                )
                self.events.append(
                    NewEvent("invoice.updated", changes, customer_id, known.id)
                )
        Invoice.objects.bulk_update(
            changed,
            [*self.FIELDS, "defects", "customer", "updated_at"],
            batch_size=2000,
        )
        invoice_ids.update(self._insert_invoices(fresh))
        self.created = len(fresh)
        self._documents(records, invoice_ids)
        paid_changed = self._imported_payments(records, invoice_ids, customers)
        updated = {i.pk for i in changed} | paid_changed
        self.updated = len(updated)
        # Paid or not follows a new total as well as a new payment. New invoices
        # are written with it (and paid in full, nothing waited on them).
        self.newly_paid = refresh_paid(updated)

    def _insert_invoices(self, fresh) -> dict[str, int]:
        """New invoices, with what the file says is paid already counted: their
        only payment is the one this import writes."""
        after = bulk.last_id(Invoice)
        json_of: dict[str, object] = {}
        org_id, today = self.org.pk, self.today
        rows = []
        for rec, customer_id, defects in fresh:
            key = repr(defects)
            if key not in json_of:
                json_of[key] = bulk.prepared(Invoice, "defects", defects)
            paid_on = (rec.paid_date or today) if rec.paid >= rec.total else None
            rows.append(
                (
                    org_id,
                    customer_id,
                    rec.number,
                    rec.issue_date,
                    rec.due_date,
                    rec.currency,
                    rec.total_excl_tax,
                    rec.tax,
                    rec.total,
                    rec.paid,
                    paid_on,
                    json_of[key],
                )
            )
        bulk.insert(
            Invoice,
            [
                "org_id",
                "customer_id",
                "number",
                *self.FIELDS,
                "amount_paid",
                "paid_on",
                "defects",
            ],
            rows,
        )
        del rows
        ids = bulk.ids_after(Invoice, after, "number", org=self.org)
        self.events += [
            created_event(rec, customer_id, ids[rec.number])
            for rec, customer_id, _ in fresh
        ]
        return ids

    def _documents(self, records, invoice_ids: dict[str, int]) -> None:
        """Keep the PDF an e-invoice came in as the invoice's document."""
        with_pdf = {r.number: r for r in records if r.document is not None}
        if not with_pdf:
            return
        for inv in Invoice.objects.filter(org=self.org, number__in=list(with_pdf)):
            rec = with_pdf[inv.number]
            digest = hashlib.sha256(rec.document).hexdigest()
            if inv.document and _stored_sha256(inv.document) == digest:
                continue  # the same PDF again: nothing changes
            inv.document.save(
                f"{digest}.pdf",
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

    def _customers(self, records: list[InvoiceRecord]) -> dict[str, int]:
        """Customer id by reference; customers created or updated as the file says."""
        refs = {r.customer_ref: r for r in records}
        known = {}
        for chunk in _chunks(list(refs)):
            for row in Customer.objects.filter(org=self.org, ref__in=chunk).values_list(
                "ref", "id", "name", "kind", "siren", "vat_number"
            ):
                known[row[0]] = row[1:]
        after = bulk.last_id(Customer)
        bulk.insert(
            Customer,
            ["org_id", "ref", "name", "kind", "siren", "vat_number"],
            [
                (self.org.pk, ref, r.customer_name, r.kind, r.siren, r.vat_number)
                for ref, r in refs.items()
                if ref not in known
            ],
        )
        ids = bulk.ids_after(Customer, after, "ref", org=self.org)
        for ref, r in refs.items():
            if ref not in known:
                self.events.append(
                    NewEvent(
                        "customer.created",
                        {"ref": ref, "name": r.customer_name},
                        ids[ref],
                    )
                )
        changed = []
        for ref, (pk, name, kind, siren, vat) in known.items():
            r = refs[ref]
            ids[ref] = pk
            wanted = {
                "name": r.customer_name,
                "kind": r.kind,
                "siren": r.siren or siren,
                "vat_number": r.vat_number or vat,
            }
            now = {"name": name, "kind": kind, "siren": siren, "vat_number": vat}
            diff = {k: v for k, v in wanted.items() if now[k] != v}
            if diff:
                changed.append(Customer(pk=pk, **wanted))
                self.events.append(NewEvent("customer.updated", diff, pk))
        Customer.objects.bulk_update(
            changed, ["name", "kind", "siren", "vat_number"], batch_size=2000
        )
        self._contacts(refs, ids)
        return ids

    def _contacts(self, refs, customers: dict[str, int]) -> None:
        known = defaultdict(set)
        for chunk in _chunks(list(customers.values())):
            for cid, email in Contact.objects.filter(customer_id__in=chunk).values_list(
                "customer_id", "email"
            ):
                known[cid].add(email.lower())
        new = []
        for ref, r in refs.items():
            cid = customers[ref]
            for email in r.customer_emails:
                if email.lower() not in known[cid]:
                    known[cid].add(email.lower())
                    new.append((self.org.pk, cid, email))
        bulk.insert(Contact, ["org_id", "customer_id", "email"], new)
        self.events += [
            NewEvent("contact.added", {"email": email}, cid) for _, cid, email in new
        ]

    def _imported_payments(
        self, records, invoice_ids: dict[str, int], customers: dict[str, int]
    ) -> set[int]:
        """Keep one 'import' payment per invoice equal to what the file says is paid
        beyond payments known from other sources. Returns the existing invoices
        whose payments changed."""
        changed: set[int] = set()
        new: list[tuple[InvoiceRecord, int, Decimal, date]] = []
        for rec in records:
            known = self.existing.get(rec.number)
            if known is None and not rec.paid:
                continue  # a new invoice, nothing paid: the common case
            invoice_id = invoice_ids[rec.number]
            mine = self.imported.get(invoice_id)
            current = mine.amount if mine else ZERO
            other = known.amount_paid - current if known else ZERO
            wanted = max(rec.paid - other, ZERO)
            on = rec.paid_date or (mine.received_on if mine else self.today)
            if mine is None and wanted == 0:
                continue
            if mine is not None and (wanted, on) == (mine.amount, mine.received_on):
                continue
            if mine is None:
                new.append((rec, invoice_id, wanted, on))
            elif wanted == 0:  # the file no longer says it is paid
                Allocation.objects.filter(pk=mine.allocation_id).delete()
                Payment.objects.filter(pk=mine.payment_id).delete()
            else:
                Payment.objects.filter(pk=mine.payment_id).update(
                    amount=wanted, received_on=on
                )
                Allocation.objects.filter(pk=mine.allocation_id).update(amount=wanted)
            if known:
                changed.add(invoice_id)
            self.events.append(
                NewEvent(
                    "payment.imported",
                    {"invoice": rec.number, "paid": rec.paid, "on": on},
                    customers[rec.customer_ref],
                    invoice_id,
                )
            )
        after = bulk.last_id(Payment)
        bulk.insert(
            Payment,
            [
                "org_id",
                "customer_id",
                "received_on",
                "amount",
                "currency",
                "reference",
                "source",
            ],
            [
                (
                    self.org.pk,
                    customers[rec.customer_ref],
                    on,
                    amount,
                    rec.currency,
                    f"import:{rec.number}",
                    PaymentSource.IMPORT.value,
                )
                for rec, _, amount, on in new
            ],
        )
        payment_ids = bulk.ids_after(
            Payment, after, "reference", org=self.org, source=PaymentSource.IMPORT
        )
        bulk.insert(
            Allocation,
            ["payment_id", "invoice_id", "amount"],
            [
                (payment_ids[f"import:{rec.number}"], invoice_id, amount)
                for rec, invoice_id, amount, _ in new
            ],
        )
        return changed


def _chunks(items: list, size: int = 5000):
    """Slices small enough for one query's IN list on every backend."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
        name = name.replace("\x00", "")  # kept on the timeline: PostgreSQL takes no NUL
        stem = Path(name).stem
        candidates = [_key(stem), *(_key(p) for p in re.split(r"[ _.]+", stem))]
        invoice = next((invoices[c] for c in candidates if c in invoices), None)
        if reason := oversize(len(data)):
            rejected.append({"file": name, "reason": reason})
            continue
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
        if danger := pdf_safety.danger(data):  # it would be sent on to customers
            rejected.append({"file": name, "reason": gettext(danger)})
            continue
        invoice.document.save(
            f"{hashlib.sha256(data).hexdigest()}.pdf", ContentFile(data), save=False
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
