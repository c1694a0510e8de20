"""Print-ready letters and the court file, as PDF bytes (ReportLab). Plain data in,
no Django. French text of our own."""

from __future__ import annotations

import io
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
    iban: str = ""
    signatory: str = ""
    reference: str = ""
    earlier_reminders: tuple[date, ...] = ()


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


def money(value: Decimal, currency: str = "EUR") -> str:
    # Helvetica's encoding has no narrow no-break space: use a no-break space.
    return format_currency(value, currency, locale="fr_FR").replace("\u202f", "\xa0")


def day(value: date) -> str:
    return format_date(value, "d MMMM y", locale="fr_FR")


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


def invoices_table(st: Statement) -> Table:
    rows = [["Facture", "Date", "Échéance", "Montant TTC", "Déjà réglé", "Reste dû"]]
    for line in st.lines:
        inv = line.invoice
        rows.append(
            [
                inv.number,
                inv.issue_date.strftime("%d/%m/%Y"),
                inv.due_date.strftime("%d/%m/%Y"),
                money(inv.total, st.currency),
                money(line.received, st.currency),
                money(line.principal, st.currency),
            ]
        )
    return _table(rows, [32 * mm, 22 * mm, 22 * mm, 32 * mm, 30 * mm, 30 * mm])


def statement_table(st: Statement, consumer_notice: bool = False) -> Table:
    c = st.currency
    rows = [
        ["Décompte des sommes dues au " + day(st.as_of), "Montant"],
        ["Principal restant dû", money(st.principal, c)],
    ]
    if st.b2c:
        label = (
            "Intérêts au taux légal (art. 1231-6 du Code civil)"
            if not consumer_notice
            else "Intérêts au taux légal, à compter de la présente mise en demeure"
        )
        rows.append([label, money(st.interest, c)])
    else:
        rows.append(
            [
                f"Pénalités de retard (art. L441-10 du Code de commerce), "
                f"arrêtées au {day(st.interest_until)}",
                money(st.interest, c),
            ]
        )
        count = sum(1 for x in st.lines if x.claim.indemnity)
        rows.append(
            [
                f"Indemnité forfaitaire pour frais de recouvrement "
                f"(art. D441-5), {count} × 40,00 €",
                money(st.indemnity, c),
            ]
        )
    rows.append(["Total dû", money(st.total_due, c)])
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
    st, c = letter.statement, letter.statement.currency
    numbers = ", ".join(x.invoice.number for x in st.lines)
    head = Table(
        [
            [
                _party(letter.creditor, "Expéditeur"),
                _party(letter.debtor, "Destinataire"),
            ]
        ],
        colWidths=[88 * mm, 80 * mm],
    )
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [
        head,
        Spacer(1, 8 * mm),
        Paragraph(f"{_esc(letter.place)}, le {day(letter.sent_on)}", RIGHT),
        Paragraph("Lettre recommandée avec demande d'avis de réception", SMALL),
    ]
    if letter.reference:
        story.append(Paragraph(f"Nos références : {_esc(letter.reference)}", SMALL))
    formal = letter.kind == FORMAL_NOTICE
    subject = "Mise en demeure de payer" if formal else "Relance avant mise en demeure"
    story += [
        Paragraph(
            f"Objet : {subject} — facture{'s' if len(st.lines) > 1 else ''} {numbers}",
            TITLE,
        ),
        Paragraph("Madame, Monsieur,", BODY),
        Spacer(1, 3 * mm),
    ]
    if letter.earlier_reminders:
        opening = f"Malgré nos relances des {_list_of_days(letter.earlier_reminders)}, "
    else:
        opening = "Malgré nos relances, "
    story.append(
        Paragraph(
            opening
            + (
                "les factures suivantes restent impayées à ce jour :"
                if len(st.lines) > 1
                else "la facture suivante reste impayée à ce jour :"
            ),
            BODY,
        )
    )
    story += [
        Spacer(1, 3 * mm),
        invoices_table(st),
        Spacer(1, 4 * mm),
        statement_table(st, consumer_notice=formal and st.b2c),
        Spacer(1, 4 * mm),
    ]
    total = money(st.total_due, c)
    if formal:
        story.append(
            Paragraph(
                f"En conséquence, nous vous <b>mettons en demeure</b> de nous régler la somme de "
                f"<b>{total}</b> au plus tard le <b>{day(letter.deadline)}</b>, soit dans un délai "
                f"de huit jours à compter de la réception de la présente lettre.",
                BODY,
            )
        )
        story.append(Spacer(1, 2 * mm))
        consequence = (
            "À défaut de paiement intégral dans ce délai, nous saisirons sans autre avis la "
            "juridiction compétente afin d'obtenir votre condamnation au paiement de ces sommes, "
            + (
                "augmentées des intérêts au taux légal"
                if st.b2c
                else "augmentées des pénalités de retard qui continuent de courir jusqu'au complet "
                "paiement"
            )
            + ", ainsi que des frais de procédure."
        )
        story.append(Paragraph(consequence, BODY))
    else:
        story.append(
            Paragraph(
                f"Nous vous demandons de régler la somme de <b>{total}</b> au plus tard le "
                f"<b>{day(letter.deadline)}</b>. Sans règlement à cette date, nous vous adresserons "
                "une mise en demeure, préalable à une action en justice.",
                BODY,
            )
        )
    story.append(Spacer(1, 2 * mm))
    if letter.iban:
        story.append(
            Paragraph(
                f"Règlement par virement sur le compte IBAN {_esc(letter.iban)}, en rappelant "
                f"le numéro de facture en référence.",
                BODY,
            )
        )
    story += [
        Spacer(1, 2 * mm),
        Paragraph(
            "Si vous avez réglé ces sommes entre-temps, nous vous remercions de ne pas "
            "tenir compte de ce courrier. Nous restons disposés à examiner toute "
            "proposition de règlement que vous nous adresseriez avant cette date.",
            BODY,
        ),
        Spacer(1, 3 * mm),
        Paragraph(
            "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations "
            "distinguées.",
            BODY,
        ),
        Spacer(1, 10 * mm),
        KeepTogether(
            [
                Paragraph(_esc(letter.signatory or "Le service recouvrement"), RIGHT),
                Paragraph(f"<b>{_esc(letter.creditor.name)}</b>", RIGHT),
            ]
        ),
    ]
    for w in st.warnings:
        story += [Spacer(1, 4 * mm), Paragraph(f"Note : {_esc(_warning_fr(w))}", SMALL)]
    return story


def _list_of_days(days: tuple[date, ...]) -> str:
    """`16 mai, 26 mai et 5 juin 2025`: the year once, where it changes."""
    parts = []
    for i, d in enumerate(days):
        last_of_year = i == len(days) - 1 or days[i + 1].year != d.year
        parts.append(
            day(d) if last_of_year else format_date(d, "d MMMM", locale="fr_FR")
        )
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def _warning_fr(text: str) -> str:
    if text.startswith("interest counted up to "):
        until = date.fromisoformat(text.split()[4].rstrip(":"))
        return (
            f"pénalités calculées jusqu'au {day(until)}, dernier jour dont le taux "
            "de référence est connu ; elles continuent de courir au-delà."
        )
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
    title = "Mise en demeure" if letter.kind == FORMAL_NOTICE else "Lettre de relance"
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
        story.append(Paragraph(f"Note : {_esc(_warning_fr(w))}", SMALL))
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


def statement_pdf(creditor: Party, debtor: Party, st: Statement) -> bytes:
    """The statement of account attached to a reminder that groups many invoices:
    one page the customer's accounts payable can check line by line."""
    story = [
        _party(creditor, "Émetteur"),
        Spacer(1, 6 * mm),
        _party(debtor, "Client"),
        Spacer(1, 8 * mm),
        Paragraph(f"Relevé de compte au {day(st.as_of)}", TITLE),
        Paragraph("Factures échues restant à régler, après les paiements reçus.", BODY),
        Spacer(1, 4 * mm),
        invoices_table(st),
        Spacer(1, 6 * mm),
        statement_table(st),
    ]
    return _build(story, f"Relevé de compte — {debtor.name}")
