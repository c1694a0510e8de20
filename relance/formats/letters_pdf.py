"""Print-ready letters and the court file, as PDF bytes (ReportLab). Plain data in,
no Django. Letters and statements in French or English (the debtor's language;
the law cited stays French), the court file in French.

A letter's free wording (its subject and body) comes from the caller, so that an
organisation can word it its own way; the parts the law relies on are ours and
fixed, and the body places them with markers on a paragraph of their own:
[[invoices]], [[statement]], [[demand]] (each required once) and [[payment]]."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency
from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from relance.core.statement import Statement

FORMAL_NOTICE = "formal_notice"
REGISTERED_LETTER = "registered_letter"

_styles = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_styles["Normal"], fontSize=10, leading=14)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8.5, leading=11)
RIGHT = ParagraphStyle("right", parent=BODY, alignment=TA_RIGHT)
TITLE = ParagraphStyle(
    "title",
    parent=BODY,
    fontName="Helvetica-Bold",
    fontSize=12,
    leading=16,
    spaceBefore=6,
    spaceAfter=6,
)
H2 = ParagraphStyle("h2", parent=TITLE, fontSize=11, spaceBefore=10)


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    address: str = ""
    siren: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class Letter:
    kind: str  # FORMAL_NOTICE or REGISTERED_LETTER
    creditor: Party
    debtor: Party
    place: str
    sent_on: date
    deadline: date
    statement: Statement
    subject: str  # the subject line's wording; the invoice numbers follow it
    body: tuple[str, ...]  # paragraphs and part markers, from letter_blocks()
    iban: str = ""
    signatory: str = ""
    reference: str = ""
    language: str = "fr"  # the debtor's: "fr" or "en"


@dataclass(frozen=True, slots=True)
class ChronologyEntry:
    on: date
    what: str
    proof: str


@dataclass(frozen=True, slots=True)
class CourtFile:
    creditor: Party
    debtor: Party
    debtor_is_consumer: bool
    prepared_on: date
    statement: Statement
    chronology: tuple[ChronologyEntry, ...]
    costs_estimate: Decimal
    annexes: tuple[tuple[str, bytes | None], ...] = field(default=())  # (label, PDF)


LOCALES = {"fr": "fr_FR", "en": "en_GB"}
PARTS = ("invoices", "statement", "demand", "payment")
REQUIRED_PARTS = ("invoices", "statement", "demand")
_MARKER = re.compile(r"\[\[\s*([^\[\]]*?)\s*\]\]")


class LetterWordingError(ValueError):
    """A letter body that would leave out, repeat or misplace a fixed part."""


def letter_blocks(text: str) -> tuple[str, ...]:
    """A rendered letter body as its paragraphs (split on blank lines), each part
    marker kept as the part's name. Raises LetterWordingError naming the problem."""
    blocks, seen = [], []
    for raw in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n")):
        block = raw.strip()
        if not block:
            continue
        markers = _MARKER.findall(block)
        if not markers:
            blocks.append(block)
            continue
        for name in markers:
            if name not in PARTS:
                raise LetterWordingError(
                    f"[[{name}]] is not a part; the parts are "
                    + ", ".join(f"[[{p}]]" for p in PARTS)
                )
        if len(markers) > 1 or _MARKER.fullmatch(block) is None:
            raise LetterWordingError(
                f"[[{markers[0]}]] must stand alone, with a blank line before and after"
            )
        if markers[0] in seen:
            raise LetterWordingError(f"[[{markers[0]}]] appears more than once")
        seen.append(markers[0])
        blocks.append(f"[[{markers[0]}]]")
    missing = [p for p in REQUIRED_PARTS if p not in seen]
    if missing:
        raise LetterWordingError(
            "the letter must contain " + ", ".join(f"[[{p}]]" for p in missing)
        )
    return tuple(blocks)


# Every sentence of the letters and the statement, by language. The French is
# the reference; the English says the same and cites the same French law.
WORDS = {
    "fr": {
        "sender": "Expéditeur",
        "recipient": "Destinataire",
        "issuer": "Émetteur",
        "client": "Client",
        "place_date": "{place}, le {day}",
        "registered": "Lettre recommandée avec demande d'avis de réception",
        "our_ref": "Nos références : {ref}",
        "subject_line": "Objet : {subject} — {invoices} {numbers}",
        "invoice_one": "facture",
        "invoice_many": "factures",
        "notice_demand": "En conséquence, nous vous <b>mettons en demeure</b> de nous "
        "régler la somme de <b>{total}</b> au plus tard le <b>{deadline}</b>, soit "
        "dans un délai de huit jours à compter de la réception de la présente lettre.",
        "notice_consequence": "À défaut de paiement intégral dans ce délai, nous "
        "saisirons sans autre avis la juridiction compétente afin d'obtenir votre "
        "condamnation au paiement de ces sommes, {added}, ainsi que des frais de "
        "procédure.",
        "added_b2c": "augmentées des intérêts au taux légal",
        "added_b2b": "augmentées des pénalités de retard qui continuent de courir "
        "jusqu'au complet paiement",
        "letter_demand": "Nous vous demandons de régler la somme de <b>{total}</b> au "
        "plus tard le <b>{deadline}</b>. Sans règlement à cette date, nous vous "
        "adresserons une mise en demeure, préalable à une action en justice.",
        "transfer": "Règlement par virement sur le compte IBAN {iban}, en rappelant "
        "le numéro de facture en référence.",
        "signatory": "Le service recouvrement",
        "note": "Note : {text}",
        "and": " et ",
        "title_notice": "Mise en demeure",
        "title_letter": "Lettre de relance",
        "col_invoice": "Facture",
        "col_date": "Date",
        "col_due": "Échéance",
        "col_total": "Montant TTC",
        "col_paid": "Déjà réglé",
        "col_open": "Reste dû",
        "paid_late": "{number} (réglée en retard)",
        "col_amount": "Montant",
        "statement_as_of": "Décompte des sommes dues au {day}",
        "principal": "Principal restant dû",
        "legal_interest": "Intérêts au taux légal (art. 1231-6 du Code civil)",
        "legal_interest_notice": "Intérêts au taux légal, à compter de la présente "
        "mise en demeure",
        "penalties": "Pénalités de retard (art. L441-10 du Code de commerce), "
        "arrêtées au {day}",
        "indemnity": "Indemnité forfaitaire pour frais de recouvrement (art. D441-5), "
        "{count} × {each}",
        "total_due": "Total dû",
        "interest_until": "pénalités calculées jusqu'au {day}, dernier jour dont le "
        "taux de référence est connu ; elles continuent de courir au-delà.",
        "account_as_of": "Relevé de compte au {day}",
        "account_intro": "Factures échues restant à régler, après les paiements reçus.",
        "account_title": "Relevé de compte",
    },
    "en": {
        "sender": "From",
        "recipient": "To",
        "issuer": "Issued by",
        "client": "Customer",
        "place_date": "{place}, {day}",
        "registered": "Registered letter with acknowledgement of receipt",
        "our_ref": "Our reference: {ref}",
        "subject_line": "Re: {subject} — {invoices} {numbers}",
        "invoice_one": "invoice",
        "invoice_many": "invoices",
        "notice_demand": "We therefore give you <b>formal notice</b> to pay us the "
        "sum of <b>{total}</b> by <b>{deadline}</b> at the latest, that is within "
        "eight days of receiving this letter.",
        "notice_consequence": "Failing full payment within this time, we will refer "
        "the matter to the competent court without further notice, to obtain an "
        "order for you to pay these sums, {added}, together with the costs of the "
        "proceedings.",
        "added_b2c": "plus interest at the French statutory rate",
        "added_b2b": "plus the late-payment penalties, which keep accruing until "
        "payment in full",
        "letter_demand": "We ask you to pay the sum of <b>{total}</b> by "
        "<b>{deadline}</b> at the latest. Without payment by that date, we will send "
        "you a formal notice, the step before legal action.",
        "transfer": "Please pay by bank transfer to IBAN {iban}, quoting the invoice "
        "number as the reference.",
        "signatory": "Credit control",
        "note": "Note: {text}",
        "and": " and ",
        "title_notice": "Formal notice",
        "title_letter": "Reminder letter",
        "col_invoice": "Invoice",
        "col_date": "Date",
        "col_due": "Due date",
        "col_total": "Amount incl. VAT",
        "col_paid": "Already paid",
        "col_open": "Still due",
        "paid_late": "{number} (paid late)",
        "col_amount": "Amount",
        "statement_as_of": "Statement of sums due as at {day}",
        "principal": "Principal still due",
        "legal_interest": "Interest at the statutory rate (art. 1231-6 of the French "
        "Civil Code)",
        "legal_interest_notice": "Interest at the statutory rate, from this formal "
        "notice",
        "penalties": "Late-payment penalties (art. L441-10 of the French Commercial "
        "Code), up to {day}",
        "indemnity": "Fixed indemnity for recovery costs (art. D441-5), "
        "{count} × {each}",
        "total_due": "Total due",
        "interest_until": "penalties counted up to {day}, the last day whose "
        "reference rate is known; they keep accruing after it.",
        "account_as_of": "Statement of account as at {day}",
        "account_intro": "Overdue invoices still to pay, after the payments received.",
        "account_title": "Statement of account",
    },
}


def money(value: Decimal, currency: str = "EUR", lang: str = "fr") -> str:
    # Helvetica's encoding has no narrow no-break space: use a no-break space.
    formatted = format_currency(value, currency, locale=LOCALES[lang])
    return formatted.replace("\u202f", "\xa0")


def day(value: date, lang: str = "fr") -> str:
    return format_date(value, "d MMMM y", locale=LOCALES[lang])


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _party(p: Party, label: str) -> Paragraph:
    lines = [f"<b>{_esc(p.name)}</b>", *map(_esc, p.address.splitlines())]
    if p.siren:
        lines.append(f"SIREN {p.siren}")
    lines += [_esc(x) for x in (p.email, p.phone) if x]
    return Paragraph(
        f"<font size=8 color='#555555'>{label}</font><br/>" + "<br/>".join(lines), BODY
    )


def _table(rows, widths, header=True, total_rows=0, numeric=True) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1 if header else 0)
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT" if numeric else "LEFT"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style += [
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
        ]
    if total_rows:
        style += [("FONT", (0, -total_rows), (-1, -1), "Helvetica-Bold", 9)]
    table.setStyle(TableStyle(style))
    return table


def invoices_table(st: Statement, lang: str = "fr") -> Table:
    w = WORDS[lang]
    rows = [
        [
            w["col_invoice"],
            w["col_date"],
            w["col_due"],
            w["col_total"],
            w["col_paid"],
            w["col_open"],
        ]
    ]
    for line in st.lines:
        inv = line.invoice
        rows.append(
            [
                # Factures réglées en retard: only penalties and the 40 EUR left.
                w["paid_late"].format(number=inv.number)
                if line.paid_late
                else inv.number,
                inv.issue_date.strftime("%d/%m/%Y"),
                inv.due_date.strftime("%d/%m/%Y"),
                money(inv.total, st.currency, lang),
                money(line.received, st.currency, lang),
                money(line.principal, st.currency, lang),
            ]
        )
    return _table(rows, [32 * mm, 22 * mm, 22 * mm, 32 * mm, 30 * mm, 30 * mm])


def statement_table(
    st: Statement, consumer_notice: bool = False, lang: str = "fr"
) -> Table:
    c, w = st.currency, WORDS[lang]
    rows = [
        [w["statement_as_of"].format(day=day(st.as_of, lang)), w["col_amount"]],
        [w["principal"], money(st.principal, c, lang)],
    ]
    if st.b2c:
        label = w["legal_interest_notice" if consumer_notice else "legal_interest"]
        rows.append([label, money(st.interest, c, lang)])
    else:
        rows.append(
            [
                w["penalties"].format(day=day(st.interest_until, lang)),
                money(st.interest, c, lang),
            ]
        )
        count = sum(1 for x in st.lines if x.claim.indemnity)
        each = money(Decimal("40"), c, lang)
        rows.append(
            [
                w["indemnity"].format(count=count, each=each),
                money(st.indemnity, c, lang),
            ]
        )
    rows.append([w["total_due"], money(st.total_due, c, lang)])
    return _table(rows, [128 * mm, 40 * mm], total_rows=1)


def periods_table(st: Statement) -> Table:
    rows = [["Facture", "Du", "Au", "Jours", "Base", "Taux", "Intérêts"]]
    for line in st.lines:
        for p in line.claim.periods:
            rows.append(
                [
                    line.invoice.number,
                    p.start.strftime("%d/%m/%Y"),
                    p.end.strftime("%d/%m/%Y"),
                    str(p.days),
                    money(p.base, st.currency),
                    f"{p.rate} %".replace(".", ","),
                    money(p.interest.quantize(Decimal("0.01")), st.currency),
                ]
            )
    return _table(rows, [28 * mm, 21 * mm, 21 * mm, 13 * mm, 30 * mm, 17 * mm, 26 * mm])


def _letter_story(letter: Letter) -> list:
    st, lang = letter.statement, letter.language
    w = WORDS[lang]
    numbers = ", ".join(x.invoice.number for x in st.lines)
    head = Table(
        [
            [
                _party(letter.creditor, w["sender"]),
                _party(letter.debtor, w["recipient"]),
            ]
        ],
        colWidths=[88 * mm, 80 * mm],
    )
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [
        head,
        Spacer(1, 8 * mm),
        Paragraph(
            w["place_date"].format(
                place=_esc(letter.place), day=day(letter.sent_on, lang)
            ),
            RIGHT,
        ),
        Paragraph(w["registered"], SMALL),
    ]
    if letter.reference:
        story.append(Paragraph(w["our_ref"].format(ref=_esc(letter.reference)), SMALL))
    many = len(st.lines) > 1
    story += [
        Paragraph(
            w["subject_line"].format(
                subject=_esc(letter.subject),
                invoices=w["invoice_many" if many else "invoice_one"],
                numbers=_esc(numbers),
            ),
            TITLE,
        ),
        Spacer(1, 3 * mm),
    ]
    for block in letter.body:
        part = _MARKER.fullmatch(block)
        flowables = _part(letter, part[1]) if part else [_free(block)]
        if flowables:  # [[payment]] is empty without an IBAN
            story += [*flowables, Spacer(1, 3 * mm)]
    story += [
        Spacer(1, 7 * mm),
        KeepTogether(
            [
                Paragraph(_esc(letter.signatory or w["signatory"]), RIGHT),
                Paragraph(f"<b>{_esc(letter.creditor.name)}</b>", RIGHT),
            ]
        ),
    ]
    for warning in st.warnings:
        note = w["note"].format(text=_esc(_warning(warning, lang)))
        story += [Spacer(1, 4 * mm), Paragraph(note, SMALL)]
    return story


def _free(text: str) -> Paragraph:
    """A paragraph of the organisation's wording: plain text, its line breaks kept."""
    # Helvetica's encoding has no narrow no-break space (French amounts use it).
    lines = _esc(text.replace("\u202f", "\xa0")).splitlines()
    return Paragraph("<br/>".join(line.strip() for line in lines), BODY)


def _part(letter: Letter, name: str) -> list:
    """One of the fixed parts, worded by relance."""
    st, lang, w = letter.statement, letter.language, WORDS[letter.language]
    formal = letter.kind == FORMAL_NOTICE
    if name == "invoices":
        return [invoices_table(st, lang)]
    if name == "statement":
        return [statement_table(st, consumer_notice=formal and st.b2c, lang=lang)]
    if name == "payment":
        iban = w["transfer"].format(iban=_esc(letter.iban))
        return [Paragraph(iban, BODY)] if letter.iban else []
    if name != "demand":
        raise LetterWordingError(f"[[{name}]] is not a part")
    total = money(st.total_due, st.currency, lang)
    deadline = day(letter.deadline, lang)
    if not formal:
        return [
            Paragraph(w["letter_demand"].format(total=total, deadline=deadline), BODY)
        ]
    added = w["added_b2c" if st.b2c else "added_b2b"]
    return [
        Paragraph(w["notice_demand"].format(total=total, deadline=deadline), BODY),
        Spacer(1, 2 * mm),
        Paragraph(w["notice_consequence"].format(added=added), BODY),
    ]


def list_of_days(days: tuple[date, ...], lang: str = "fr") -> str:
    """`16 mai, 26 mai et 5 juin 2025`: the year once, where it changes."""
    parts = []
    for i, d in enumerate(days):
        last_of_year = i == len(days) - 1 or days[i + 1].year != d.year
        parts.append(
            day(d, lang)
            if last_of_year
            else format_date(d, "d MMMM", locale=LOCALES[lang])
        )
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + WORDS[lang]["and"] + parts[-1]


def _warning(text: str, lang: str = "fr") -> str:
    if text.startswith("interest counted up to "):
        until = date.fromisoformat(text.split()[4].rstrip(":"))
        return WORDS[lang]["interest_until"].format(day=day(until, lang))
    return text


def _build(story, title: str) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="relance",
        creator="relance",
    )
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buf.getvalue()


def _footer(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 7.5)
    canvas.setFillColor(colors.grey)
    canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"page {doc.page}")
    canvas.restoreState()


def letter_pdf(letter: Letter) -> bytes:
    w = WORDS[letter.language]
    title = w["title_notice" if letter.kind == FORMAL_NOTICE else "title_letter"]
    return _build(_letter_story(letter), f"{title} — {letter.debtor.name}")


def competent_court(debtor: Party, consumer: bool) -> tuple[str, str]:
    """The court for an injonction de payer, and its form (cerfa)."""
    city = debtor.address.strip().splitlines()[-1] if debtor.address.strip() else ""
    where = (
        f" dont relève le domicile du débiteur ({_esc(city)})"
        if city
        else (" dont relève le domicile du débiteur (adresse à compléter)")
    )
    if consumer:
        return ("Président du tribunal judiciaire" + where, "cerfa n° 12948")
    return (
        "Président du tribunal de commerce (ou du tribunal des activités économiques "
        "là où il est expérimenté)"
        + where
        + " ; tribunal judiciaire si le débiteur n'est pas commerçant",
        "cerfa n° 12946",
    )


def court_file_pdf(f: CourtFile) -> bytes:
    st, c = f.statement, f.statement.currency
    court, form = competent_court(f.debtor, f.debtor_is_consumer)
    parties = Table(
        [[_party(f.creditor, "Créancier"), _party(f.debtor, "Débiteur")]],
        colWidths=[88 * mm, 80 * mm],
    )
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    claim = st.total_due
    ratio = claim / f.costs_estimate if f.costs_estimate else Decimal("0")
    verdict = (
        "la créance justifie la procédure"
        if ratio >= 5
        else "procédure à examiner : les frais pèsent lourd au regard de la créance"
    )
    story = [
        Paragraph("Dossier de requête en injonction de payer", TITLE),
        Paragraph(
            f"Préparé le {day(f.prepared_on)} — articles 1405 et suivants du Code "
            "de procédure civile",
            SMALL,
        ),
        Spacer(1, 4 * mm),
        parties,
        Spacer(1, 4 * mm),
        Paragraph("Juridiction compétente", H2),
        Paragraph(f"{court}. Formulaire : {form}.", BODY),
        Paragraph("Montant réclamé", H2),
        statement_table(st),
        Spacer(1, 3 * mm),
        Paragraph("Coût et intérêt de la procédure", H2),
        Paragraph(
            f"Créance de {money(claim, c)} pour des frais estimés à "
            f"{money(f.costs_estimate, c)} (greffe, signification par commissaire de "
            f"justice ; estimation à ajuster) : {verdict}.",
            BODY,
        ),
    ]
    if st.principal + st.interest <= Decimal("5000"):
        story.append(
            Paragraph(
                "Principal et intérêts n'excèdent pas 5 000 € : la procédure simplifiée de "
                "recouvrement des petites créances (commissaire de justice, art. L125-1 du Code "
                "des procédures civiles d'exécution) est une alternative, avec l'accord du "
                "débiteur.",
                BODY,
            )
        )
    story += [PageBreak(), Paragraph("Chronologie des démarches amiables", TITLE)]
    rows = [["Date", "Démarche", "Preuve"]] + [
        [
            e.on.strftime("%d/%m/%Y"),
            Paragraph(_esc(e.what), SMALL),
            Paragraph(_esc(e.proof), SMALL),
        ]
        for e in f.chronology
    ]
    story += [
        _table(rows, [22 * mm, 62 * mm, 86 * mm], numeric=False),
        PageBreak(),
        Paragraph("Décompte détaillé", TITLE),
        invoices_table(st),
        Spacer(1, 4 * mm),
        periods_table(st),
        Spacer(1, 4 * mm),
        statement_table(st),
    ]
    for w in st.warnings:
        story.append(Paragraph(f"Note : {_esc(_warning(w))}", SMALL))
    story += [PageBreak(), Paragraph("Bordereau des pièces justificatives", TITLE)]
    story += [
        Paragraph(
            f"Pièce n° {n} : {_esc(label)}"
            + ("" if pdf else " (document d'origine à joindre)"),
            BODY,
        )
        for n, (label, pdf) in enumerate(f.annexes, 1)
    ]
    summary = _build(story, f"Injonction de payer — {f.debtor.name}")
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(summary)))
    for _label, pdf in f.annexes:
        if pdf:
            writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def statement_pdf(
    creditor: Party, debtor: Party, st: Statement, lang: str = "fr"
) -> bytes:
    """The statement of account attached to a reminder that groups many invoices:
    one page the customer's accounts payable can check line by line."""
    w = WORDS[lang]
    story = [
        _party(creditor, w["issuer"]),
        Spacer(1, 6 * mm),
        _party(debtor, w["client"]),
        Spacer(1, 8 * mm),
        Paragraph(w["account_as_of"].format(day=day(st.as_of, lang)), TITLE),
        Paragraph(w["account_intro"], BODY),
        Spacer(1, 4 * mm),
        invoices_table(st, lang),
        Spacer(1, 6 * mm),
        statement_table(st, lang=lang),
    ]
    return _build(story, f"{w['account_title']} — {debtor.name}")
