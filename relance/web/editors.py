"""The administrator's editors: each segment's dunning policy, with a calendar
of what it would do for a sample invoice, and the wording of each message, with
a preview on a real overdue invoice. Previews never save; saving checks first
and keeps nothing when something is wrong."""

import calendar as months
from datetime import date, timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from relance.comms.models import MessageTemplate
from relance.comms.wording import (
    EDITABLE,
    EMAILS,
    LANGUAGES,
    LETTERS,
    TEXTS,
    WordingError,
    preview,
    preview_letter,
    reset_wording,
    save_wording,
    shipped,
)
from relance.core.calendar import BusinessCalendar
from relance.core.forecast import forecast
from relance.core.policy import Tone
from relance.core.policy_config import (
    CATALOG,
    PolicyError,
    channels,
    from_data,
    to_data,
)
from relance.core.sms import sms_parts
from relance.dunning.models import PolicySetting
from relance.dunning.policies import (
    SEGMENTS,
    policies_for,
    reset_policy,
    save_policy,
)
from relance.orgs.models import Role, org_today

from . import params
from .access import member_required

WEEKDAYS = range(7)
SAMPLE_AMOUNT = Decimal("1500.00")
SAMPLE_TERMS_DAYS = 30


@member_required(Role.ADMIN)
def policy_list(request):
    customised = set(
        PolicySetting.objects.filter(org=request.org).values_list("segment", flat=True)
    )
    return render(
        request,
        "web/policies.html",
        {"segments": [(s, s in customised) for s in SEGMENTS]},
    )


@member_required(Role.ADMIN)
def policy_edit(request, segment):
    if segment not in SEGMENTS:
        raise Http404
    org = request.org
    today = org_today(org)
    problems: list[tuple[str, str]] = []
    policy = policies_for(org)[segment]
    data = to_data(policy)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reset":
            reset_policy(org, segment, request.user.email)
            messages.success(request, _("Back to relance's policy."))
            return redirect("policy", segment=segment)
        data = _posted_policy(request.POST)
        try:
            if action == "save":
                save_policy(org, segment, data, request.user.email)
                messages.success(request, _("Saved: the next run follows it."))
                return redirect("policy", segment=segment)
            policy = from_data(data, name=segment)
        except PolicyError as exc:
            problems = exc.problems
            policy = None
    status = 200
    try:
        sample = _sample(
            request.POST if request.method == "POST" else request.GET, today
        )
    except BadRequest:  # the page again, with what was typed, and the reason
        sample, status = _sample({}, today), 400
        messages.error(request, _(UNREADABLE_SAMPLE))
    business = BusinessCalendar(org.country)
    upcoming = []
    if policy is not None:
        upcoming = forecast(
            policy,
            sample["due"],
            sample["amount"],
            sample["issued"],
            business,
            org.timezone,
        )
    return render(
        request,
        "web/policy.html",
        {
            "segment": segment,
            "customised": PolicySetting.objects.filter(
                org=org, segment=segment
            ).exists(),
            "data": data,
            "rows": _rows(data),
            "problems": problems,
            "sample": sample,
            "upcoming": upcoming,
            "calendar": _calendar(upcoming, sample["due"], business),
            "tones": [t.value for t in Tone],
            "weekdays": [
                _("Mon"),
                _("Tue"),
                _("Wed"),
                _("Thu"),
                _("Fri"),
                _("Sat"),
                _("Sun"),
            ],
        },
        status=status,
    )


def _posted_policy(post) -> dict:
    steps = []
    for key in CATALOG:
        steps.append(
            {
                "key": key,
                "enabled": post.get(f"{key}-enabled") == "on",
                "offset_days": post.get(f"{key}-offset_days", ""),
                "channel": post.get(f"{key}-channel", ""),
                "tone": post.get(f"{key}-tone", ""),
                "approval": post.get(f"{key}-approval") == "on",
                "involve_owner": post.get(f"{key}-involve_owner") == "on",
                "weekdays": [d for d in post.getlist(f"{key}-weekdays") if d.isdigit()],
                "start": post.get(f"{key}-start", ""),
                "end": post.get(f"{key}-end", ""),
            }
        )
    return {
        "min_amount": post.get("min_amount", ""),
        "approval_amount": post.get("approval_amount", ""),
        "min_gap_days": post.get("min_gap_days", ""),
        "thank_you": post.get("thank_you") == "on",
        "thank_you_within_days": post.get("thank_you_within_days", ""),
        "steps": steps,
    }


def _rows(data: dict) -> list[dict]:
    """The editor's rows: each step's values and the choices it offers."""
    out = []
    for step in data["steps"]:
        weekdays = {int(d) for d in step["weekdays"]}
        out.append(
            {
                **step,
                "channels": [str(c) for c in channels(step["key"])],
                "days": [(d, d in weekdays) for d in WEEKDAYS],
            }
        )
    return out


UNREADABLE_SAMPLE = gettext_noop(
    "The sample invoice could not be read: an amount above 0 and below a trillion, "
    "and dates within 50 years of today."
)


def _sample(values, today: date) -> dict:
    """The sample invoice of the preview: issued today on 30 days unless given;
    a value that cannot be read is a 400 (web.params)."""
    issued = params.day(values, "sample_issued", today, today)
    due = params.day(
        values, "sample_due", issued + timedelta(days=SAMPLE_TERMS_DAYS), today
    )
    amount = params.amount(values, "sample_amount", SAMPLE_AMOUNT)
    return {"issued": issued, "due": max(due, issued), "amount": amount}


def _calendar(upcoming, due: date, business: BusinessCalendar) -> list[dict]:
    """Month grids from the first send to the last (or the due date), each day
    marked: a send, the due date, a day off."""
    if not upcoming:
        return []
    sends = {}
    for u in upcoming:
        sends.setdefault(u.sends_at.date(), []).append(u.step.key)
    first = min([*sends, due])
    last = max([*sends, due])
    grids = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        weeks = []
        for week in months.Calendar().monthdatescalendar(year, month):
            weeks.append(
                [
                    {
                        "day": d,
                        "inside": d.month == month,
                        "steps": sends.get(d, []) if d.month == month else [],
                        "due": d == due and d.month == month,
                        "off": not business.is_business_day(d),
                    }
                    for d in week
                ]
            )
        grids.append({"first": date(year, month, 1), "weeks": weeks})
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return grids


@member_required(Role.ADMIN)
def template_list(request):
    customised = set(
        MessageTemplate.objects.filter(org=request.org).values_list("name", "language")
    )
    groups = [
        (
            title,
            [
                (name, [(lang, (name, lang) in customised) for lang in LANGUAGES])
                for name in names
            ],
        )
        for title, names in (
            (_("Emails"), EMAILS),
            (_("Letters"), LETTERS),
            (_("Texts (SMS and WhatsApp)"), TEXTS),
        )
    ]
    return render(request, "web/templates.html", {"groups": groups})


@member_required(Role.ADMIN)
def template_edit(request, name, lang):
    if name not in EDITABLE or lang not in LANGUAGES:
        raise Http404
    org = request.org
    own = MessageTemplate.objects.filter(org=org, name=name, language=lang).first()
    subject, body = (own.subject, own.body) if own else shipped(name, lang)
    rendered, problem = None, None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reset":
            reset_wording(org, name, lang, request.user.email)
            messages.success(request, _("Back to relance's wording."))
            return redirect("template", name=name, lang=lang)
        subject = request.POST.get("subject", "")
        body = request.POST.get("body", "").replace("\r\n", "\n")
        if action == "pdf" and name in LETTERS:
            try:
                pdf = preview_letter(org, name, lang, subject, body, org_today(org))[1]
            except WordingError as exc:
                problem = exc
            else:
                return HttpResponse(pdf, content_type="application/pdf")
        elif action == "save":
            try:
                save_wording(org, name, lang, subject, body, request.user.email)
                messages.success(request, _("Saved: the next messages use it."))
                return redirect("template", name=name, lang=lang)
            except WordingError as exc:
                problem = exc
    if problem is None:
        try:
            rendered = preview(org, name, lang, subject, body, org_today(org))
        except WordingError as exc:
            problem = exc
    kind = "letter" if name in LETTERS else "text" if name in TEXTS else "email"
    return render(
        request,
        "web/template.html",
        {
            "name": name,
            "lang": lang,
            "kind": kind,
            "customised": own is not None,
            "subject": subject,
            "body": body,
            "rendered": rendered,
            "sms_parts": sms_parts(rendered.body_text)
            if rendered and kind == "text"
            else None,
            "problem": problem,
        },
    )
