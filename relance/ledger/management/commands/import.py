from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from relance.ledger.services import attach_documents, import_invoices
from relance.orgs.services import organisation_by_slug
from relance.output import emit


class Command(BaseCommand):
    help = "Import invoices from a CSV file, or attach invoice PDFs."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True)
        invoices = sub.add_parser("invoices", help="invoices from CSV")
        invoices.add_argument("file")
        bank = sub.add_parser("bank", help="bank statement (CAMT.053 / CAMT.054)")
        bank.add_argument("file")
        documents = sub.add_parser(
            "documents", help="invoice PDFs, matched by the number in the file name"
        )
        documents.add_argument("files", nargs="+", help="PDF files or folders")
        for p in (invoices, bank, documents):
            p.add_argument("--org", required=True)
            p.add_argument("--json", action="store_true")

    def handle(self, *args, kind, **opts):
        try:
            org = organisation_by_slug(opts["org"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        if kind == "documents":
            return self._documents(org, opts)
        if kind == "bank":
            return self._bank(org, opts)
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        result = import_invoices(org, path.read_bytes(), path.name, actor="cli")
        data = {k: result[k] for k in ("imported", "updated", "rejected", "flagged")}
        lines = [
            f"{data['imported']} imported, {data['updated']} updated, "
            f"{len(data['rejected'])} rejected"
        ]
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
        data = import_bank(org, path.read_bytes(), path.name, actor="cli")
        text = (
            f"{data['lines']} lines: {data['matched']} matched, {data['to_review']} to "
            f"review, {data['unmatched']} unmatched, {data['duplicates']} duplicates"
        )
        text += "".join(f"\n  row {r['row']}: {r['reason']}" for r in data["rejected"])
        emit(self, data, opts["json"], text)
