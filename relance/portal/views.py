"""The debtor's portal: no account, a signed link from a reminder. Every query is
limited to the customer the link names; an altered or expired link gets a plain
page saying so, never an error. The address carries the link's token, so no
page is kept by a cache nor sends its address on (`private`)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import wraps

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from relance.comms.render import LOCALES, long_date, supported
from relance.core.identifiers import format_iban
from relance.core.money import Money, format_money, totals_by_currency
from relance.dunning.pay_by_scan import latest_for_customer
from relance.ledger.models import Customer, Invoice
from relance.orgs.models import org_today

from . import services
from .links import LinkInvalid, read_token

FORMS = ("declare", "dispute", "promise", "plan")


def private(view):
    """Neither stored by a cache nor named to another site in a Referer."""

    @wraps(view)
    @cache_control(no_store=True, private=True)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        # same-origin, not no-referrer: under no-referrer browsers send
        # "Origin: null" with the debtor's forms, and the CSRF check refuses them.
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapped


def _customer(request, token):
    """The customer the link is for, or the page that explains why not."""
    try:
        access = read_token(token)
        customer = Customer.objects.select_related("org", "account_owner").get(
            pk=access.customer_id, org_id=access.org_id
        )
    except (LinkInvalid, Customer.DoesNotExist):
        return None, render(request, "portal/invalid.html", status=404)
    today = org_today(customer.org)
    if access.expires < today:
        with translation.override(supported(customer.language)):
            page = render(
                request,
                "portal/expired.html",
                {"org": customer.org, "expired_on": access.expires},
                status=410,
            )
        return None, page
    return customer, None


@private
@require_http_methods(["GET", "POST"])
def portal(request, token):
    customer, refusal = _customer(request, token)
    if refusal:
        return refusal
    lang = supported(customer.language)
    today = org_today(customer.org)
    error = notice = ""
    status = 200
    with translation.override(lang):
        if request.method == "POST":
            form = request.POST.get("form", "")
            try:
                _act(customer, form, request, today)
            except services.AlreadyRecorded as exc:
                notice = " ".join(exc.messages)
            except ValidationError as exc:
                error = " ".join(exc.messages)
                status = 429 if isinstance(exc, services.TooManyAnswers) else 400
            else:
                return redirect(f"{request.path}?done={form}")
        context = _context(customer, today, lang, error, request.GET.get("done", ""))
        return render(
            request, "portal/page.html", {**context, "notice": notice}, status=status
        )


def _act(customer, form: str, request, today: date) -> None:
    post = request.POST
    if form == "declare":
        upload = request.FILES.get("proof")
        services.declare_payment(
            customer,
            post.getlist("invoices"),
            paid_on=_date(post.get("paid_on")),
            reference=post.get("reference", "").strip()[:140],
            today=today,
            proof=upload.read(services.MAX_PROOF_BYTES + 1) if upload else None,
        )
    elif form == "dispute":
        services.dispute(
            customer,
            post.get("invoice", ""),
            reason=post.get("reason", ""),
            comment=post.get("comment", "").strip()[:2000],
            today=today,
        )
    elif form == "promise":
        services.promise(
            customer,
            post.getlist("invoices"),
            until=_date(post.get("until")),
            today=today,
        )
    elif form == "plan":
        try:
            count = int(post.get("count", ""))
        except ValueError:
            raise ValidationError(gettext("Choose a number of instalments.")) from None
        services.propose_plan(
            customer,
            post.get("invoice", ""),
            count=count,
            first=_date(post.get("first")),
            today=today,
        )
    else:
        raise ValidationError(gettext("This request is not understood."))


def _date(text: str | None) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        raise ValidationError(gettext("Give a date.")) from None


def _context(customer, today: date, lang: str, error: str, done: str) -> dict:
    org = customer.org
    locale = LOCALES[lang]
    invoices = services.open_invoices(customer)
    totals = totals_by_currency([inv.open_amount for inv in invoices])
    latest = today + timedelta(days=org.portal_max_promise_days)
    scan = latest_for_customer(customer)
    return {
        "org": org,
        "customer": customer,
        "iban": format_iban(org.iban) if org.iban else "",
        "scan": scan
        and {
            "image": scan.data_uri(),
            "reference": scan.printed_reference,
            "amount": format_money(Money(scan.amount, "EUR"), locale),
            "invoices": ", ".join(scan.invoices),
        },
        "invoices": [
            {
                "pk": inv.pk,
                "number": inv.number,
                "issue_date": long_date(inv.issue_date, locale),
                "due_date": long_date(inv.due_date, locale),
                "open": format_money(inv.open_amount, locale),
                "late": inv.due_date < today,
                "document": bool(inv.document),
            }
            for inv in invoices
        ],
        "total_open": " + ".join(format_money(m, locale) for m in totals.values())
        or format_money(Money.zero(), locale),
        "today": today.isoformat(),
        "max_promise": latest.isoformat(),
        "instalment_counts": range(2, org.portal_max_instalments + 1),
        "reasons": services.DISPUTE_REASONS.items(),
        "error": error,
        "done": done if done in FORMS else "",
    }


@private
def invoice_pdf(request, token, pk):
    customer, refusal = _customer(request, token)
    if refusal:
        return refusal
    try:
        invoice = Invoice.objects.get(pk=pk, org_id=customer.org_id, customer=customer)
    except Invoice.DoesNotExist:
        raise Http404("no such invoice") from None
    if not invoice.document:
        raise Http404("no document for this invoice")
    return FileResponse(
        invoice.document.open("rb"),
        as_attachment=True,
        filename=f"{invoice.number}.pdf",
        content_type="application/pdf",
    )
