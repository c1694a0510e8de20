from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relance.ledger.services import (
    attach_documents,
    import_invoices,
    oversize,
    save_columns,
)
from relance.output import emit, organisation_option


class Command(BaseCommand):
    help = (
        "Import invoices (CSV, XLSX, FEC, Factur-X/ZUGFeRD PDF, CII or UBL XML), "
        "a bank statement, or attach invoice PDFs."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True)
        invoices = sub.add_parser(
            "invoices",
            help="invoices from CSV, XLSX, FEC, Factur-X/ZUGFeRD PDF, CII or UBL XML",
        )
        invoices.add_argument("file")
        invoices.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="FIELD=HEADER",
            help="the column holding a field, e.g. number='N° pièce' (repeatable)",
        )
        invoices.add_argument(
            "--save-columns",
            action="store_true",
            help="keep the --column mapping for the organisation's next imports",
        )
        bank = sub.add_parser(
            "bank", help="bank statement (CAMT.053/054, OFX, MT940 or bank CSV)"
        )
        bank.add_argument("file")
        documents = sub.add_parser(
            "documents", help="invoice PDFs, matched by the number in the file name"
        )
        documents.add_argument("files", nargs="+", help="PDF files or folders")
        for p in (invoices, bank, documents):
            p.add_argument("--org", required=True)
            p.add_argument("--json", action="store_true")

    def handle(self, *args, kind, **opts):
        org = organisation_option(opts["org"])
        if kind == "documents":
            return self._documents(org, opts)
        if kind == "bank":
            return self._bank(org, opts)
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        columns = {}
        for item in opts["column"]:
            field, sep, header = item.partition("=")
            if not sep or not field.strip() or not header.strip():
                raise CommandError(f"--column expects FIELD=HEADER, got {item!r}")
            columns[field.strip()] = header.strip()
        if opts["save_columns"]:
            if not columns:
                raise CommandError("--save-columns needs at least one --column")
            try:
                save_columns(org, columns, actor="cli")
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        if reason := oversize(path.stat().st_size):  # refused unread
            raise CommandError(f"{path}: {reason}")
        result = import_invoices(
            org, path.read_bytes(), path.name, actor="cli", columns=columns
        )
        keys = ("format", "imported", "updated", "rejected", "flagged", "notes")
        data = {k: result[k] for k in keys}
        lines = [
            f"{data['format']}: {data['imported']} imported, {data['updated']} "
            f"updated, {len(data['rejected'])} rejected"
        ]
        lines += [f"  note: {n}" for n in data["notes"]]
        lines += [f"  row {r['row']}: {r['reason']}" for r in data["rejected"]]
        lines += [
            f"  flagged {f['invoice']}: {', '.join(f['defects'])}"
            for f in data["flagged"]
        ]
        emit(self, data, opts["json"], "\n".join(lines))

    def _documents(self, org, opts):
        paths = []
        for name in opts["files"]:
            path = Path(name)
            if path.is_dir():
                paths += sorted(p for p in path.iterdir() if p.suffix.lower() == ".pdf")
            elif path.is_file():
                paths.append(path)
            else:
                raise CommandError(f"no such file or folder: {path}")
        result = attach_documents(
            org, [(p.name, p.read_bytes()) for p in paths], actor="cli"
        )
        lines = [
            f"{len(result['attached'])} attached, {len(result['rejected'])} rejected"
        ]
        lines += [f"  {r['file']}: {r['reason']}" for r in result["rejected"]]
        lines += [
            f"  flagged {f['invoice']}: {', '.join(f['defects'])}"
            for f in result["flagged"]
        ]
        emit(self, result, opts["json"], "\n".join(lines))

    def _bank(self, org, opts):
        from relance.ledger.bank import import_bank

        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if reason := oversize(path.stat().st_size):
            raise CommandError(f"{path}: {reason}")
        data = import_bank(org, path.read_bytes(), path.name, actor="cli")
        text = (
            f"{data['lines']} lines: {data['matched']} matched, {data['to_review']} to "
            f"review, {data['unmatched']} unmatched, {data['duplicates']} duplicates"
        )
        text += "".join(f"\n  note: {n}" for n in data["notes"])
        text += "".join(f"\n  row {r['row']}: {r['reason']}" for r in data["rejected"])
        if not data["ok"]:
            text = f"{path}: {data['reason']}\n{text}"
        emit(self, data, opts["json"], text)
        if not data["ok"]:
            raise SystemExit(1)
