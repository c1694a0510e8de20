"""Imports from the browser: invoices (CSV, XLSX, FEC, Factur-X, UBL/CII) and
bank statements, then the batch with every rejected row and its reason."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from relance.ledger.bank import import_bank
from relance.ledger.models import ImportBatch
from relance.ledger.services import import_invoices, oversize

from .access import SENDERS, member_required

KINDS = ("invoices", "bank")


@member_required(*SENDERS)
def import_list(request):
    if request.method == "POST":
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", "invoices")
        if upload is None or kind not in KINDS:
            messages.error(request, _("Choose a file and what it holds."))
            return redirect("imports")
        if reason := oversize(upload.size):  # refused unread, nothing written
            messages.error(
                request,
                _("%(file)s: %(reason)s") % {"file": upload.name, "reason": reason},
            )
            return redirect("imports")
        data, actor = upload.read(), request.user.email
        if kind == "bank":
            result = import_bank(request.org, data, upload.name, actor)
            if not result["ok"]:  # the file gave nothing: say why, not "0 lines"
                messages.error(
                    request,
                    _("%(file)s: %(reason)s")
                    % {"file": upload.name, "reason": result["reason"]},
                )
            else:
                messages.success(
                    request,
                    _(
                        "%(lines)d bank lines: %(matched)d matched, %(review)d to review."  # noqa: E501
                    )
                    % {
                        "lines": result["lines"],
                        "matched": result["matched"],
                        "review": result["to_review"],
                    },
                )
            for note in result["notes"]:  # what the reader assumed
                messages.info(request, note)
        else:
            result = import_invoices(request.org, data, upload.name, actor)
            messages.success(
                request,
                _("%(new)d invoices imported, %(changed)d updated, %(bad)d rejected.")
                % {
                    "new": result["imported"],
                    "changed": result["updated"],
                    "bad": len(result["rejected"]),
                },
            )
        return redirect("import", pk=result["batch"])
    page = Paginator(
        ImportBatch.objects.filter(org=request.org).order_by("-created_at", "-pk"), 30
    ).get_page(request.GET.get("page"))
    return render(request, "web/imports.html", {"page": page})


@member_required(*SENDERS)
def import_detail(request, pk):
    batch = get_object_or_404(ImportBatch, pk=pk, org=request.org)
    page = Paginator(batch.rejected_rows.order_by("row", "pk"), 100).get_page(
        request.GET.get("page")
    )
    return render(request, "web/import.html", {"batch": batch, "page": page})
