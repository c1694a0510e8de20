"""One organisation's wording never stops another's messages: rendering an
edited template is bounded work (render_budget: time, loop turns, output, filter
widths); a message over its budget is not written, its action goes back to a
person with the reason, and every other message goes on."""

import json
import time
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from relance.comms.models import MessageTemplate, OutboundMessage
from relance.comms.render import render_wording
from relance.comms.render_budget import MAX_LOOPS, TooCostly
from relance.comms.wording import WordingError, preview, save_wording
from relance.dunning.models import Action
from relance.dunning.services import run_dunning
from relance.timeline.models import Event
from tests.factories import make_invoice

DUE = date(2026, 10, 1)
BIG = '{% with big="x"|ljust:1000|make_list %}'  # a thousand values to loop on
GREETING = "Bonjour {{ customer.name }}, {{ numbers }} : {{ total_open }}."
# Passes the preview (its customer is C1), a billion turns for C2.
LOOP_FOR_C2 = (
    BIG + '{% if customer.ref == "C2" %}{% for a in big %}{% for b in big %}'
    "{% for c in big %}{{ a }}{% endfor %}{% endfor %}{% endfor %}{% endif %}"
    "{% endwith %}" + GREETING
)
# A thousand times a thousand organisation names: 16 MB for C2.
OUTPUT_FOR_C2 = (
    BIG + '{% if customer.ref == "C2" %}{% for a in big %}{% for b in big %}'
    "{{ org.name }}{% endfor %}{% endfor %}{% endif %}{% endwith %}" + GREETING
)

# Compiles, and is deeper than Python can render, for C2.
DEEP_FOR_C2 = (
    '{% if customer.ref == "C2" %}' + "{% if 1 %}" * 300 + "{% endif %}" * 300
) + ("{% endif %}" + GREETING)


def context(**values):
    return {"org": {"name": "Acme Conseil SAS"}, "customer": {"ref": "C2"}, **values}


def wording_for_both_steps(org, body):
    for step in ("pre_reminder", "reminder_1"):
        save_wording(org, step, "fr", "Facture {{ numbers }}", body, "alice")


@pytest.mark.parametrize(
    "body, reason",
    [
        (LOOP_FOR_C2, "répète ses boucles plus de 100\xa0000 fois"),
        (OUTPUT_FOR_C2, "écrit plus de 262\xa0144 caractères"),
        (DEEP_FOR_C2, "imbrique ses balises trop profondément"),
    ],
    ids=["loop", "output", "depth"],
)
def test_one_customers_costly_message_stops_nothing_else(
    acme, other, smtp, body, reason
):
    """GIVEN Acme's saved wording that loops a billion times (or writes 16 MB)
    for its customer C2 only, and Other Co's ordinary reminder
    WHEN both organisations run and `relance send` sends every organisation's
    THEN it takes seconds, C2's message is not written and its action is back
    with a person with the reason in French, and every other message goes."""
    make_invoice(acme, "A1", DUE - timedelta(days=1), customer_ref="C1")
    make_invoice(acme, "A2", DUE, customer_ref="C2", email="c2@client.example")
    make_invoice(other, "O1", DUE, customer_ref="C2", email="o@client.example")
    wording_for_both_steps(acme, body)  # previewed on C1, the oldest overdue
    started = time.perf_counter()
    run_dunning(acme, DUE + timedelta(days=1))
    run_dunning(other, DUE + timedelta(days=1))
    out = StringIO()
    call_command("send", "--json", stdout=out)
    assert time.perf_counter() - started < 5
    assert json.loads(out.getvalue())["sent"] == 2
    assert {m["To"] for m in smtp.messages} == {
        "compta@client.example",
        "o@client.example",
    }
    stopped = Action.objects.get(org=acme, customer__ref="C2")
    step = stopped.template
    assert stopped.status == "todo"
    assert stopped.reason == f"message non écrit : la formulation {step} {reason}"
    assert not OutboundMessage.objects.filter(action=stopped).exists()
    event = Event.objects.get(org=acme, kind="message.not_written")
    assert event.data["action"] == stopped.pk
    # Sending again does not render it again: it waits for a person.
    call_command("send", "--json", stdout=StringIO())
    assert Event.objects.filter(kind="message.not_written").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        BIG + "{% for a in big %}{% for b in big %}{% for c in big %}"
        "{% endfor %}{% endfor %}{% endfor %}{% endwith %}",
        BIG + "{% for a in big %}{% for b in big %}{{ org.name }}"
        "{% endfor %}{% endfor %}{% endwith %}",
        '{{ org.name|ljust:"100000000" }}',
        '{{ org.name|center:"100000000" }}',
        '{{ org.name|rjust:"100000000" }}',
        '{{ org.name|stringformat:"100000000s" }}',
        '{{ 1|floatformat:"100000000" }}',
        "{% with a=org.name|add:org.name %}{% with b=a|add:a %}{% with c=b|add:b %}"
        + "{% with a=c|add:c %}{% with b=a|add:a %}{% with c=b|add:b %}" * 6
        + "{{ c }}"
        + "{% endwith %}" * 21,
        BIG + '{% with s="x"|ljust:1000 %}{{ big|join:s }}{% endwith %}{% endwith %}',
    ],
    ids=[
        "loop",
        "output",
        "ljust",
        "center",
        "rjust",
        "stringformat",
        "floatformat",
        "doubling",
        "join",
    ],
)
def test_a_bomb_is_stopped_within_its_budget(settings, body):
    """GIVEN a wording that would loop a billion times, or write megabytes
    WHEN it is rendered for one message
    THEN it stops fast, with TooCostly, having written at most the limit."""
    started = time.perf_counter()
    with pytest.raises(TooCostly):
        render_wording("Objet", body, "fr", context())
    assert time.perf_counter() - started < settings.RELANCE_WORDING_SECONDS


def test_the_time_limit_stops_slow_work_under_the_other_limits(settings):
    """GIVEN a loop of a thousand turns, each slow (urlize on 16,000 characters)
    WHEN it renders with a time limit of a fifth of a second
    THEN it stops just past it, said as a matter of time."""
    settings.RELANCE_WORDING_SECONDS = 0.2
    body = (
        BIG + '{% with t=big|join:"www.example.com " %}'  # a thousand addresses
        "{% for a in big %}{{ t|urlize|length }}{% endfor %}{% endwith %}{% endwith %}"
    )
    started = time.perf_counter()
    with pytest.raises(TooCostly) as raised:
        render_wording("Objet", body, "fr", context())
    assert time.perf_counter() - started < 1
    assert raised.value.limit == "time"


def test_loop_turns_are_counted_across_the_message(settings):
    """The subject and the body share one budget of MAX_LOOPS turns."""
    settings.RELANCE_WORDING_SECONDS = 30
    loop = '{% with big="x"|ljust:1000|make_list %}{% for a in big %}'
    loop += '{% for b in big|slice:":60" %}{% endfor %}{% endfor %}{% endwith %}'
    assert 1000 * 61 < MAX_LOOPS < 2 * 1000 * 61
    render_wording(loop, "corps", "fr", context())  # 61,000 turns
    with pytest.raises(TooCostly):
        render_wording(loop, loop, "fr", context())


def test_an_ordinary_wording_renders_as_before(acme):
    """The bounds cost an ordinary message nothing it says: loops over the
    invoices, filters with their usual arguments."""
    body = (
        "{% for i in invoices %}{{ i.number|ljust:'10' }}|{{ i.open|rjust:'12' }}\n"
        "{% endfor %}{{ count|floatformat:'2' }} {{ numbers|join:'' }} "
        "{{ customer.name|center:'20' }}"
    )
    invoices = [{"number": "F1", "open": "1 200,00 €"}, {"number": "F2", "open": "3"}]
    rendered = render_wording(
        "Objet", body, "fr", context(invoices=invoices, count=2, numbers="F1")
    )
    assert rendered.body_text.startswith("F1        |  1 200,00 €\nF2        |")
    assert "2,00 F1" in rendered.body_text


def test_rendering_many_messages_stays_fast():
    """GIVEN an ordinary wording with a loop and filters
    WHEN it is rendered 5,000 times (a day's run renders a hundred thousand)
    THEN that takes well under two seconds."""
    body = (
        "Bonjour {{ customer.ref|upper }},\n{% for i in invoices %}"
        "{{ i.number }} : {{ i.open }}\n{% endfor %}{{ org.name }}"
    )
    values = context(invoices=[{"number": f"F{n}", "open": "12 €"} for n in range(5)])
    started = time.perf_counter()
    for _ in range(5000):
        render_wording("Facture {{ customer.ref }}", body, "fr", values)
    assert time.perf_counter() - started < 2


@pytest.mark.django_db
def test_the_preview_refuses_a_wording_over_the_budget_in_french(acme):
    """GIVEN a wording whose loops run a billion turns for every customer
    WHEN it is previewed or saved
    THEN it is refused with a French reason, and nothing is kept."""
    make_invoice(acme, "A1", DUE, customer_ref="C1")
    body = (
        BIG + "{% for a in big %}{% for b in big %}{% for c in big %}"
        "{% endfor %}{% endfor %}{% endfor %}{% endwith %}" + GREETING
    )
    with translation.override("fr"), pytest.raises(WordingError) as raised:
        save_wording(acme, "reminder_1", "fr", "Objet", body, "alice")
    assert str(raised.value) == (
        "body: trop lourde pour un message : "
        "elle répète ses boucles plus de 100\xa0000 fois"
    )
    assert not MessageTemplate.objects.exists()
    with translation.override("fr"), pytest.raises(WordingError) as raised:
        preview(acme, "reminder_1", "fr", "Objet", '{{ org.name|ljust:"9999" }}', DUE)
    assert "largeur de plus de 1\xa0000 caractères" in str(raised.value)


def test_lorem_is_not_a_tag_of_the_sandbox(acme):
    with pytest.raises(WordingError):
        preview(acme, "reminder_1", "fr", "Objet", "{% lorem 100000000 w %}", DUE)


@pytest.mark.django_db
def test_a_letter_or_a_text_over_the_budget_is_refused_too(acme, settings, tmp_path):
    """The registered letter, the formal notice and the short texts render in the
    same sandbox, within the same budget."""
    from relance.comms.wording import preview_letter

    settings.MEDIA_ROOT = tmp_path
    make_invoice(acme, "A1", DUE, customer_ref="C1")
    bomb = (
        BIG + "{% for a in big %}{% for b in big %}{% for c in big %}"
        "{% endfor %}{% endfor %}{% endfor %}{% endwith %}"
    )
    body = bomb + "[[invoices]]\n\n[[statement]]\n\n[[demand]]\n\n[[payment]]"
    started = time.perf_counter()
    with translation.override("fr"), pytest.raises(WordingError) as raised:
        preview_letter(acme, "formal_notice", "fr", "Mise en demeure", body, DUE)
    assert "boucles" in str(raised.value)
    with translation.override("fr"), pytest.raises(WordingError) as raised:
        preview(acme, "text_reminder_1", "fr", "", bomb + GREETING, DUE)
    assert "boucles" in str(raised.value)
    assert time.perf_counter() - started < 3


def test_a_letter_over_the_budget_for_one_customer_stops_only_that_letter(
    acme, settings, tmp_path
):
    """GIVEN Acme's registered letter worded with a billion turns for C2 only
    WHEN the runs reach the letter step for C1 and C2
    THEN C1's letter is written and C2's action waits for a person, the reason
    said, and the runs took seconds."""
    from relance.comms.wording import shipped

    settings.MEDIA_ROOT = tmp_path / "documents"
    settings.DATA_DIR = tmp_path
    make_invoice(acme, "A1", DUE - timedelta(days=1), customer_ref="C1")
    make_invoice(acme, "A2", DUE, customer_ref="C2", email="c2@client.example")
    body = LOOP_FOR_C2.removesuffix(GREETING) + shipped("registered_letter", "fr")[1]
    save_wording(acme, "registered_letter", "fr", "Dossier", body, "alice")
    started = time.perf_counter()
    for offset in (1, 10, 20, 30):
        run_dunning(acme, DUE + timedelta(days=offset))
    assert time.perf_counter() - started < 20
    letters = Action.objects.filter(step="registered_letter")
    assert letters.get(customer__ref="C1").document
    stopped = letters.get(customer__ref="C2")
    assert not stopped.document and stopped.status == "todo"
    assert "boucles" in stopped.reason


LEAVES = st.sampled_from(
    [
        "x",
        "{{ s }}",
        "{{ s|add:s }}",
        "{{ big|join:s }}",
        '{{ s|ljust:"900" }}',
        "{{ s|urlize }}",
        '{{ s|make_list|join:"--" }}',
        "{% cycle s 'y' %}",
        "{% firstof s %}",
    ]
)
TEMPLATES = st.recursive(
    st.lists(LEAVES, max_size=4).map("".join),
    lambda inner: st.one_of(
        inner.map(lambda t: "{% for a in big %}" + t + "{% endfor %}"),
        inner.map(lambda t: "{% with s=s|add:s %}" + t + "{% endwith %}"),
        inner.map(lambda t: "{% filter upper %}" + t + "{% endfilter %}"),
        inner.map(
            lambda t: "{% if s %}{% spaceless %}" + t + "{% endspaceless %}{% endif %}"
        ),
        st.lists(inner, min_size=2, max_size=3).map("".join),
    ),
    max_leaves=12,
)


@hypothesis_settings(max_examples=40, deadline=None)
@given(TEMPLATES)
def test_any_nesting_of_loops_and_widening_filters_stays_within_budget(body):
    """GIVEN any nesting of loops, doubling withs and widening filters
    WHEN it renders for one message (a 0.3 s budget)
    THEN it either writes at most the output limit or stops with TooCostly,
    within the time limit and a little."""
    with override_settings(RELANCE_WORDING_SECONDS=0.3):
        started = time.perf_counter()
        try:
            rendered = render_wording(
                "", body, "fr", context(s="abc" * 10, big=list(range(200)))
            )
        except TooCostly:
            pass
        else:
            assert len(rendered.body_text) <= 262_144 + 1
        assert time.perf_counter() - started < 0.8


def test_the_wording_editor_refuses_a_costly_wording_in_french(client, acme, members):
    """GIVEN an admin in the wording editor (in French, the default)
    WHEN they save a wording that writes megabytes for the preview's customer
    THEN the page says why in French, and nothing is kept."""
    from django.urls import reverse

    from tests.conftest import PASSWORD

    make_invoice(acme, "A1", DUE, customer_ref="C1")
    assert client.login(username=members["admin"].username, password=PASSWORD)
    url = reverse("template", args=["reminder_1", "fr"])
    bomb = OUTPUT_FOR_C2.replace('customer.ref == "C2"', 'customer.ref == "C1"')
    page = client.post(url, {"subject": "Objet", "body": bomb, "action": "save"})
    assert "écrit plus de 262\xa0144 caractères" in page.content.decode()
    assert not MessageTemplate.objects.exists()


def test_relance_send_for_every_organisation_renders_past_a_costly_wording(
    acme, other, smtp
):
    """GIVEN actions a crash left without their message at Acme (C1, C2) and at
    Other Co, and Acme's wording since saved with a billion turns for C2
    WHEN `relance send` (every organisation) renders what is left and sends
    THEN it takes seconds: C2's message is not written, the others go."""
    make_invoice(acme, "A1", DUE - timedelta(days=1), customer_ref="C1")
    make_invoice(acme, "A2", DUE, customer_ref="C2", email="c2@client.example")
    make_invoice(other, "O1", DUE, customer_ref="C2", email="o@client.example")
    run_dunning(acme, DUE + timedelta(days=1))
    run_dunning(other, DUE + timedelta(days=1))
    OutboundMessage.objects.all().delete()  # the crash
    wording_for_both_steps(acme, LOOP_FOR_C2)
    started = time.perf_counter()
    out = StringIO()
    call_command("send", "--json", stdout=out)
    assert time.perf_counter() - started < 5
    assert json.loads(out.getvalue())["sent"] == 2
    assert len(smtp.messages) == 2
    stopped = Action.objects.get(org=acme, customer__ref="C2")
    assert stopped.status == "todo" and "boucles" in stopped.reason
