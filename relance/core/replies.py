"""What a customer's reply to a reminder says, in French or English: a promise
(with its date and amount), a dispute, a payment already made, a request for a
payment plan or for a copy of the invoice, an absence (with the return date), or
something else. Rules a credit manager can read and correct, no cloud service:
each kind has weighted phrases; the strongest kind wins, a tie goes to the kind
whose mistake costs the most (an absence or a dispute before a promise).

Anyone can write to the reply address, so reading is bounded work: only the
first MAX_TEXT characters are read, and every pattern is linear in its text (no
unbounded quantifier that a long run of digits or spaces makes backtrack; the
tests feed each reader 100,000 characters built for that)."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

PROMISE = "promise"
DISPUTE = "dispute"
PAID = "already_paid"
PLAN = "plan_request"
COPY = "copy_request"
AWAY = "out_of_office"
OTHER = "other"
KINDS = (PROMISE, DISPUTE, PAID, PLAN, COPY, AWAY, OTHER)
# On equal scores, the reading that is safest to act on.
PRIORITY = (AWAY, DISPUTE, PAID, PLAN, COPY, PROMISE)
# What is read of a reply: a customer's own words fit many times over.
MAX_TEXT = 65_536


@dataclass(frozen=True, slots=True)
class Reading:
    kind: str
    confidence: float  # 0..1: how far the winner is ahead of the others
    promised_on: date | None = None
    amount: Decimal | None = None
    back_on: date | None = None
    evidence: tuple[str, ...] = ()  # the phrases that decided


def _rules(*pairs: tuple[str, int]) -> tuple[tuple[re.Pattern, int], ...]:
    return tuple((re.compile(p), w) for p, w in pairs)


WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
WEEKDAYS_EN = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_WD = "|".join(WEEKDAYS_FR + WEEKDAYS_EN)
_WD_FR = "|".join(WEEKDAYS_FR)

# Matched against the subject, where auto-replies announce themselves.
AWAY_SUBJECT = re.compile(
    r"reponse automatique|automatic reply|auto-?reply|out of (the )?office|"
    r"\babsen(t|te|ce)\b|message d'absence"
)

RULES = {
    AWAY: _rules(
        (r"absente? (du bureau|jusqu|du \d|et je)|\bje suis absente?\b", 3),
        (r"en conges?\b|en vacances|conge (maternite|paternite|parental)", 3),
        (rf"(serai|suis) de retour|de retour le|je reviens (le |{_WD_FR}|\d)", 3),
        (r"reprendrai", 3),
        (r"en deplacement|en formation|arret maladie|ferme jusqu", 3),
        (r"n'est plus consultee|not monitored", 3),
        (r"out of (the )?office|on (annual|parental|sick|maternity) leave", 3),
        (r"(will|i'll) (be )?(back|return)|returning|out sick|offices are closed", 3),
        (r"limited access to (my )?e-?mail|no e-?mail access|currently away", 3),
        (r"travelling|a mon retour|when i'm back", 2),
    ),
    DISPUTE: _rules(
        (r"contest|litige|reclamation|desaccord|pas d'accord", 4),
        (r"\berron|\berreur\b|ne correspond pas|est fausse|\bfausse?\b", 3),
        (r"doublon|is a duplicate|duplicate of \d", 4),
        (r"jamais (recu|eu) (la|les) (marchandise|livraison|commande)", 4),
        (r"jamais commande|never ordered|never received the goods", 4),
        (r"defectueu|abime|endommage|incomplete?|manquants?", 3),
        (r"n'(a|ont) pas ete (realise|effectue|livre)|pas termine", 3),
        (r"\bun avoir\b|l'avoir (promis|attendu)|credit note", 3),
        (r"rejetons|refusons|bloquons le paiement|ne (paierons|payerons) pas", 4),
        (r"annuler la facture|refaire la facture|quand le chantier", 3),
        (r"\bdispute|disagree|(do not|don't) agree", 4),
        (r"\bwrong\b|\berror\b|incorrect|(doesn't|does not) match", 3),
        (r"damaged|faulty|defective|withholding|won't be paying|will not pay", 3),
        (r"not (been )?delivered|not finished|cancel the invoice", 3),
        (r"should not have been billed|\breject|complaint|not acceptable", 3),
        (r"is not overdue|free of charge", 2),
        (r"ne tient pas compte|\bremise\b|\bdiscount\b|hors de question", 3),
        (r"jamais (venu|passe|intervenu)|never (showed|turned) up", 3),
        (r"(renvoye|retourne) (la|les) (marchandise|produit)|returned the goods", 3),
        (r"n'a plus lieu d'etre|should be void|not paying for|missing from", 3),
        # Something wrong with what was sold or billed.
        (r"n'est pas (la|le) bon(ne)?|pas ce que nous avions|(isn't|not) what we", 3),
        (r"reduction|ne pouvons pas valider|can't approve|cannot approve", 3),
        (
            r"\b(en|avec .{0,20}de) retard\b.{0,40}(livr|demand)|delivered .{0,20}late",
            3,
        ),
    ),
    PAID: _rules(
        (r"(deja|bien) (ete )?(payee?|reglee?|soldee?)", 4),
        (r"a (bien )?ete (reglee?|payee?|soldee?|effectue|execute|envoye|fait)", 4),
        (r"(avons|ai) (deja )?(regle|paye)|vous avons (deja )?regle", 4),
        (r"\best (deja )?(payee?|reglee?|soldee?)\b", 3),
        (r"virement (est parti|effectue)|reglement fait|paye par|justificatif", 3),
        (r"avis d'opere|preuve de paiement|remittance advice|proof of payment", 3),
        (r"already paid|\bwas paid\b|been paid|has been (settled|paid|made)", 4),
        (r"\bwe paid\b|\bpaid (this|it|via|by|on|in full)\b", 3),
        (r"payment (was|has been) (sent|made)|transfer went out|was settled", 4),
        (r"cheque was (mailed|sent)|paid .{0,80}already", 3),
        (
            r"\b(reglee?|payee?|soldee?)s? (hier|depuis|ce matin|par (virement|cheque|cb|carte|prelevement))",
            4,
        ),
        (r"(est|sont) partis?\b|devez avoir recu|devriez (l'avoir recu|le voir)", 3),
        (r"c'est (regle|paye|solde)|\bc'est fait\b", 3),
        (
            r"\b(settled|paid|wired|transferred) (on|last|yesterday|this morning|via|by)\b",
            3,
        ),
        (r"payment left|'s been paid|\breceipt\b|bank statement shows", 3),
        # A payment named with a past marker.
        (r"(paiement|virement|cheque) (est )?passe|(avons|ai) fait le virement", 3),
        (
            r"(derniere?|last week|last month)\b|\b(sent|cleared)\b.{0,20}(money|payment|batch)|all cleared",
            2,
        ),
    ),
    PLAN: _rules(
        (r"en (\d+|deux|trois|quatre|plusieurs?) (fois|mensualites|versements)", 4),
        (r"echeancier|echelonn|etalement|etaler|mensualites?|fractionne", 4),
        (r"plan de (reglement|paiement)|par mois\b|tout regler d'un coup", 3),
        (r"moitie ce mois|delai de paiement", 2),
        (r"instal?lments?|payment plan|payment arrangement|repayment schedule", 4),
        (r"monthly payments|split (it|the payment)|spread (the )?payments", 4),
        (r"partial payments|per month|a week for|smaller payments|break this up", 3),
        (r"\b\d+ (a|per) (week|month)\b", 3),
        (r"en deux temps|tous les mois|chaque mois|progressif", 3),
        (r"every month|each month|over (a few|several|\d+) months|pay it off", 3),
        (r"half (this month|now)|the rest (next|in)|staged payment", 3),
        # The sum cut in parts or spread over time.
        (
            r"le reste en|diviser|sur (deux|trois|quatre|\d+) mois|progressivement|arrangement",
            3,
        ),
        (r"remainder|splitting|gradual|over (two|three|four) months", 3),
    ),
    COPY: _rules(
        (r"renvoyer|renvoyez|re-?envoyer", 3),
        (r"(copie|duplicata) de la facture|un duplicata|une copie", 3),
        (r"(envoyer|transmettre|parvenir|suivre|adresser) (nous |me )?la facture", 3),
        (r"facture originale|me la transmettre|ne la (re)?trouv|ne (re)?trouvons", 3),
        (r"pas recu cette facture|jamais eu|pas trace|chorus|ouvrir la piece", 3),
        (r"re-?send|send (us |me )?(a |the )?(copy|duplicate|corrected)", 3),
        (r"copy of the invoice|send it again|invoice again|need a copy", 3),
        (r"never received this invoice|no record of receiving", 4),
        (
            r"(don't|do not) have this invoice|can't find it|attachment .{0,80}missing",
            3,
        ),
        (r"forward the (original )?invoice|re-?issued", 3),
        (r"(envoyer|transmettre|reexpedier) .{0,25}facture|facture a jour", 3),
        (r"(email|e-mail|share|send) .{0,25}invoice|invoice pdf", 3),
        (r"je ne l'ai pas|ne vois pas cette facture|don't seem to have it", 3),
        # The invoice as a document to be given.
        (
            r"telecharger|redonner|joindre|la facture en question|il me faut la facture",
            3,
        ),
        (
            r"download|provide it|attach it|(don't|do not) have (that|the) invoice|need the invoice",
            3,
        ),
    ),
    PROMISE: _rules(
        (r"sera (payee?|reglee?|honoree?|effectue|faite?|passe|verse)", 3),
        (r"(allons|vais|va) (vous )?(regler|payer|proceder|lancer|faire un)", 3),
        (r"procederons|payerons|paierons|reglerons|je m'engage|\bpromis\b", 3),
        (r"(paiement|virement|reglement) (est )?(prevu|programme)", 3),
        (r"mise en paiement|paiement part", 3),
        (r"(virement|paiement|reglement|cheque) (partira|part\b|sera)", 3),
        (r"\bon (vous )?regle|je paye|lance le virement|vous fais un virement", 3),
        (r"vous aurez le reglement|prochain paiement|echeance de reglement", 3),
        (r"will (be )?(pay|paid|settle|process|transfer|made)", 3),
        (r"we'll (pay|get this paid|settle)|i'll make sure|\bpromise", 3),
        (r"(is )?(scheduled|queued) for|payment run|going out|release the payment", 3),
        (r"you'll have the (money|payment)|funds will be|expect to settle", 3),
        (r"\b(fera|ferons)\b|serez (payes|regles)|je m'en occupe", 3),
        (
            rf"(virement|paiement|reglement|cheque|payment|funds|transfer).{{0,25}}\b({_WD}|demain|tomorrow|prochaine?|next)\b",
            3,
        ),
        (
            r"should (reach|arrive|be with) you|we'll (clear|transfer|process)|go out on",
            3,
        ),
        (
            r"sera sur votre compte|release funds|expect the transfer|(paying|pay) it in",
            3,
        ),
        # A future tense leans towards a promise when a past payment is also named.
        (r"\b(we'll|we will|i'll|i will) (pay|settle|transfer|send|process|get)", 1),
    ),
}

# Where the customer's own words stop and the quoted reminder begins.
QUOTE_START = re.compile(
    r"^(le .{0,80} a ecrit ?:|on .{0,80} wrote:|-{3,} ?(message d'origine|"
    r"original message)|_{5,}|de ?: |from: |sent: |envoye ?: )"
)
SIGNATURE = re.compile(r"^-- ?$")


def normalise(text: str) -> str:
    """Lower case, no accents, plain quotes and spaces; at most MAX_TEXT
    characters (NFKD makes up to 18 of one, as in U+FDFA)."""
    text = unicodedata.normalize("NFKD", text[:MAX_TEXT])
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return text.lower()[:MAX_TEXT]


def own_words(body: str) -> str:
    """The reply without the quoted reminder below it nor the signature."""
    kept = []
    for line in body[:MAX_TEXT].splitlines():
        flat = normalise(line).strip()
        if QUOTE_START.match(flat) or SIGNATURE.match(flat):
            break
        if flat.startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def classify(subject: str, body: str, today: date) -> Reading:
    words = normalise(own_words(body))
    subj = normalise(subject[:MAX_TEXT])
    scores = {kind: 0 for kind in PRIORITY}
    evidence: dict[str, list[str]] = {kind: [] for kind in PRIORITY}
    for kind, rules in RULES.items():
        for pattern, weight in rules:
            if m := pattern.search(words):
                scores[kind] += weight
                evidence[kind].append(m.group(0))
    if m := AWAY_SUBJECT.search(subj):
        scores[AWAY] += 5
        evidence[AWAY].append(m.group(0))
    ranked = sorted(PRIORITY, key=lambda k: (-scores[k], PRIORITY.index(k)))
    best, second = ranked[0], ranked[1]
    if scores[best] == 0:
        return Reading(OTHER, 0.5, amount=find_amount(words))
    confidence = round(scores[best] / (scores[best] + scores[second] + 1), 2)
    english = _english(words)
    upcoming = sorted(d for d in find_dates(words, today, english) if d >= today)
    return Reading(
        best,
        confidence,
        promised_on=upcoming[0] if best == PROMISE and upcoming else None,
        amount=find_amount(words),
        back_on=upcoming[-1] if best == AWAY and upcoming else None,
        evidence=tuple(evidence[best]),
    )


_EN_WORDS = re.compile(r"\b(the|we|will|you|is|this|and|of|to|on|by|please|i)\b")
_FR_WORDS = re.compile(r"\b(le|la|les|nous|vous|est|de|du|des|et|pour|je|merci)\b")


def _english(text: str) -> bool:
    return len(_EN_WORDS.findall(text)) > len(_FR_WORDS.findall(text))


MONTHS = {
    name: n
    for n, names in enumerate(
        (
            ("janvier", "january", "jan"),
            ("fevrier", "february", "feb", "fev"),
            ("mars", "march", "mar"),
            ("avril", "april", "apr", "avr"),
            ("mai", "may"),
            ("juin", "june", "jun"),
            ("juillet", "july", "jul", "juil"),
            ("aout", "august", "aug"),
            ("septembre", "september", "sept", "sep"),
            ("octobre", "october", "oct"),
            ("novembre", "november", "nov"),
            ("decembre", "december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORD = r"(?:er|st|nd|rd|th)?"
DAY_MONTH = re.compile(
    rf"\b(?:(?:{_WD}),?\s+)?(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_MONTH})\b\.?(?:\s+(\d{{4}}))?"
)
MONTH_DAY = re.compile(
    rf"\b(?:(?:{_WD}),?\s+)?({_MONTH})\.?\s+(\d{{1,2}}){_ORD}\b(?:,?\s+(\d{{4}}))?"
)
NUMERIC = re.compile(
    r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b|\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"
)
ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
DAY_ONLY = re.compile(
    rf"\b(?:le|the|on the|by the)\s+(\d{{1,2}}){_ORD}\b(?!\s*(?:[/.\-]\d|jours?|days?|h\b|%|€|euros?|fois|mensual))"
)
IN_DAYS = re.compile(
    r"\b(?:sous|dans|d'ici|within|in)\s+(\d{1,3})\s+(?:jours?|days?)\b"
)
WEEKDAY = re.compile(rf"\b(?:(next)\s+)?({_WD})\b(\s+prochain)?")
RELATIVE = (
    (re.compile(r"apres-?demain|day after tomorrow"), lambda t: t + timedelta(days=2)),
    (re.compile(r"\bdemain\b|\btomorrow\b"), lambda t: t + timedelta(days=1)),
    (
        re.compile(r"aujourd'hui|\btoday\b|ce matin|this morning"),
        lambda t: t,
    ),
    (
        re.compile(
            r"fin (de la |de )?semaine|cette semaine|end of (the )?week|this week"
        ),
        lambda t: _friday(t),
    ),
    (
        re.compile(r"fin (du |de )mois|end of (the )?month"),
        lambda t: t.replace(day=monthrange(t.year, t.month)[1]),
    ),
    (
        re.compile(r"semaine prochaine|next week"),
        lambda t: t + timedelta(days=7 - t.weekday()),
    ),
)


def _friday(t: date) -> date:
    ahead = (4 - t.weekday()) % 7
    return t + timedelta(days=ahead)


def find_dates(text: str, today: date, english: bool = False) -> list[date]:
    """Every date the text names, absolute or relative to `today`; a date with
    no year is the next one to come (within two months back: a past payment)."""
    text = normalise(text[:MAX_TEXT])
    found: list[date] = []
    # The spans already read, apart and in order (so their ends are in order
    # too): only the last one starting before a match's end can overlap it.
    starts: list[int] = []
    ends: list[int] = []

    def free(m: re.Match) -> bool:
        a, b = m.span()
        i = bisect_left(starts, b)
        if i and ends[i - 1] > a:
            return False
        starts.insert(i, a)
        ends.insert(i, b)
        return True

    def add(year, month, day):
        try:
            if year is None:
                guess = date(today.year, month, day)
                if guess < today - timedelta(days=60):
                    guess = date(today.year + 1, month, day)
                found.append(guess)
            else:
                year = int(year)
                found.append(date(year + 2000 if year < 100 else year, month, day))
        except ValueError:
            pass  # 31 February and the like: not a date

    for m in ISO.finditer(text):
        if free(m):
            add(m.group(1), int(m.group(2)), int(m.group(3)))
    for m in DAY_MONTH.finditer(text):
        if free(m):
            add(m.group(3), MONTHS[m.group(2)], int(m.group(1)))
    for m in MONTH_DAY.finditer(text):
        if free(m):
            add(m.group(3), MONTHS[m.group(1)], int(m.group(2)))
    for m in NUMERIC.finditer(text):
        if not free(m):
            continue
        if m.group(4):
            add(m.group(6), int(m.group(5)), int(m.group(4)))
            continue
        a, b = int(m.group(1)), int(m.group(2))
        # dd/mm in French; mm/dd in English unless the first cannot be a month.
        if (english and a <= 12 and b > 12) or (a <= 12 < b):
            a, b = b, a
        add(m.group(3), b, a)
    for m in DAY_ONLY.finditer(text):
        if free(m):
            day = int(m.group(1))
            month, year = today.month, today.year
            if day < today.day:
                month, year = (1, year + 1) if month == 12 else (month + 1, year)
            add(year, month, day)
    for m in IN_DAYS.finditer(text):
        if free(m):
            found.append(today + timedelta(days=int(m.group(1))))
    for pattern, when in RELATIVE:
        for m in pattern.finditer(text):
            if free(m):
                found.append(when(today))
    for m in WEEKDAY.finditer(text):
        if free(m):
            name = m.group(2)
            wd = (
                WEEKDAYS_FR.index(name)
                if name in WEEKDAYS_FR
                else WEEKDAYS_EN.index(name)
            )
            ahead = (wd - today.weekday()) % 7 or 7
            found.append(today + timedelta(days=ahead))
    return found


# A sum is at most 24 characters of digits and separators (999 999 999 999,99
# is 18), and starts where no digit or separated digit stands before it: with
# no bound, each start in a long run of digits rescans the run (quadratic).
_SUM = r"(?<!\d)(?<!\d[ ,.])(\d(?:[\d ,.]{0,22}\d)?)"
_EURO = r"(?:€|\beur\b|\beuros?\b)"
AMOUNT = re.compile(rf"{_EURO}\s{{0,5}}{_SUM}(?![\d ,.]?\d)|{_SUM}\s{{0,5}}{_EURO}")


def find_amount(text: str) -> Decimal | None:
    """The first sum of money in euros the text names (French or English
    separators)."""
    for m in AMOUNT.finditer(normalise(text[:MAX_TEXT])):
        value = parse_number(m.group(1) or m.group(2))
        if value is not None:
            return value
    return None


def parse_number(raw: str) -> Decimal | None:
    raw = raw.replace(" ", "")
    last_comma, last_dot = raw.rfind(","), raw.rfind(".")
    decimal_sep = ""
    if last_comma > last_dot and len(raw) - last_comma - 1 == 2:
        decimal_sep = ","
    elif last_dot > last_comma and len(raw) - last_dot - 1 == 2:
        decimal_sep = "."
    if decimal_sep:
        whole, cents = raw[: raw.rfind(decimal_sep)], raw[raw.rfind(decimal_sep) + 1 :]
        raw = whole.replace(",", "").replace(".", "") + "." + cents
    else:
        raw = raw.replace(",", "").replace(".", "")
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None
