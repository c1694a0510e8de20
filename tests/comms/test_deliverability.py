"""Every default message, composed as it is sent (text and HTML, attachments,
headers), scored by SpamAssassin's own rules: each stays under 2 points."""

import subprocess
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from django.core.files.base import ContentFile

from relance.comms.addresses import sender
from relance.comms.compose import attachments_for, build
from relance.comms.confirmations import plan_context, promise_context
from relance.comms.models import OutboundMessage
from relance.comms.render import render_step
from tests.factories import make_invoice

SCORER = Path(__file__).with_name("spam_score.pl")
STEPS = ("pre_reminder", "reminder_1", "reminder_2", "reminder_3", "thank_you")
INSTALMENT_STEPS = ("instalment_due", "instalment_late", "instalment_final")
CONFIRMATIONS = ("promise_confirmation", "plan_confirmation")
TODAY = date(2026, 11, 24)


def composed(org, customer, invoices, step, lang, n):
    instalment = None
    if step in INSTALMENT_STEPS:
        inst = SimpleNamespace(number=2, due_date=date(2026, 11, 20), amount=400)
        instalment = (inst, 400, 3)
    extra = {}
    if step == "promise_confirmation":
        extra = promise_context(date(2026, 12, 4), None, "EUR", lang)
    elif step == "plan_confirmation":
        schedule = [(1, date(2026, 12, 4), 920), (2, date(2027, 1, 4), 920)]
        extra = plan_context(schedule, "EUR", lang)
    rendered = render_step(
        step,
        org,
        customer,
        invoices,
        TODAY,
        lang=lang,
        instalment=instalment,
        extra=extra,
    )
    msg = OutboundMessage.objects.create(
        org=org,
        customer=customer,
        language=lang,
        from_address=sender(org),
        reply_to=org.sender_email,
        to_addresses=["comptabilite@durand-batiment.fr"],
        subject=rendered.subject,
        body_text=rendered.body_text,
        message_id=f"<{step}.{lang}.{n}@acme-conseil.fr>",
        attachments=attachments_for(step, invoices),
    )
    return build(msg, "", [])


def test_every_default_message_scores_under_two(acme, settings, tmp_path):
    # A real deployment's address (an IP address in a link costs points).
    settings.RELANCE_PUBLIC_URL = "https://relance.acme-conseil.fr"
    acme.sender_email = "comptabilite@acme-conseil.fr"
    acme.sender_name = "Service comptabilité"
    acme.iban = "FR7630006000011234567890189"
    acme.phone = "01 23 45 67 89"
    acme.save()
    invoices = [
        make_invoice(
            acme,
            f"FA-2026-{n}",
            date(2026, 10, 15 + n),
            total="1840.00",
            name="Durand Bâtiment SARL",
        )
        for n in range(2)
    ]
    invoices[0].document.save("fa.pdf", ContentFile(b"%PDF-1.4\n% facture\n"))
    customer = invoices[0].customer
    # The scorer's own check: the standard test string must be flagged.
    gtube = tmp_path / "gtube.eml"
    gtube.write_text(
        "From: a@example.org\nTo: b@example.org\nSubject: test\n\n"
        "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n"
    )
    files = [gtube]
    for n, step in enumerate(STEPS + INSTALMENT_STEPS + CONFIRMATIONS):
        for lang in ("fr", "en"):
            path = tmp_path / f"{step}-{lang}.eml"
            path.write_bytes(
                composed(
                    acme,
                    customer,
                    invoices[:1] if step not in STEPS else invoices,
                    step,
                    lang,
                    n,
                )
            )
            files.append(path)
    out = subprocess.run(
        ["perl", str(SCORER), *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    scores = {}
    for line in out.splitlines():
        path, score, rules = line.split("\t")
        scores[Path(path).stem] = (float(score), rules)
    print(
        "\n".join(
            f"{name:<22} {s:5.2f}  {rules}"
            for name, (s, rules) in sorted(scores.items())
        )
    )
    assert len(scores) == len(files)
    assert scores.pop("gtube")[0] >= 5
    assert all(score < 2 for score, _ in scores.values()), scores
