"""A realistic, deterministic demo ledger: a French creditor and its customers.

Produced as a CSV and loaded through the normal import, so the demo exercises the
same path as a real user's first day."""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from stdnum import luhn

TRADES = [
    "Boulangerie",
    "Garage",
    "Cabinet",
    "Pharmacie",
    "Transports",
    "Menuiserie",
    "Hôtel",
    "Restaurant",
    "Librairie",
    "Agence",
    "Studio",
    "Imprimerie",
    "Fromagerie",
    "Domaine",
    "Atelier",
    "Brasserie",
    "Clinique vétérinaire",
    "Plomberie",
    "Électricité",
    "Paysages",
]
NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Chevalier",
    "Gauthier",
    "Perrin",
    "Morin",
    "Clément",
    "Rousseau",
    "Blanc",
    "Guérin",
]
FIRST = ["Claire", "Julien", "Sophie", "Nicolas", "Camille", "Thomas", "Léa", "Hugo"]
FORMS = ["SARL", "SAS", "SA", "EURL", "SASU"]
CITIES = ["Lyon", "Villeurbanne", "Grenoble", "Annecy", "Saint-Étienne", "Mâcon"]
HEADER = [
    "numero",
    "ref_client",
    "client",
    "email",
    "siren",
    "type",
    "date",
    "echeance",
    "montant_ht",
    "tva",
    "montant_ttc",
    "regle",
    "date_reglement",
]
CENT = Decimal("0.01")


@dataclass(frozen=True)
class DemoCustomer:
    ref: str
    name: str
    email: str
    siren: str
    kind: str
    behaviour: str  # good, occasional, chronic


def siren_from(rng: random.Random) -> str:
    base = f"{rng.randrange(10**7, 10**8)}"
    return base + luhn.calc_check_digit(base)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(
        "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    )


def customers(rng: random.Random, count: int) -> list[DemoCustomer]:
    out, used = [], set()
    while len(out) < count:
        n = len(out) + 1
        if rng.random() < 0.1:
            name = f"{rng.choice(FIRST)} {rng.choice(NAMES)}"
            kind, siren = "b2c", ""
        else:
            name = f"{rng.choice(TRADES)} {rng.choice(NAMES)} {rng.choice(FORMS)}"
            kind, siren = "b2b", siren_from(rng)
        if name in used:
            continue
        used.add(name)
        domain = slug(name.rsplit(" ", 1)[0] if kind == "b2b" else name) + ".example"
        email = (
            ""
            if rng.random() < 0.04
            else f"{'compta' if kind == 'b2b' else 'contact'}@{domain}"
        )
        behaviour = rng.choices(["good", "occasional", "chronic"], [60, 25, 15])[0]
        out.append(DemoCustomer(f"C{n:04d}", name, email, siren, kind, behaviour))
    return out


def _delay(rng: random.Random, behaviour: str) -> int | None:
    """Days after the due date the customer pays, None if it never does."""
    if behaviour == "good":
        return rng.randint(-8, 3)
    if behaviour == "occasional":
        return rng.choice([rng.randint(-3, 5), rng.randint(5, 35)])
    return None if rng.random() < 0.25 else rng.randint(10, 100)


def ledger_csv(
    today: date,
    seed: int = 2026,
    n_customers: int = 200,
    per_customer: int = 10,
    as_of: date | None = None,
) -> bytes:
    """The demo ledger as a French CSV. `as_of` hides payments made after that day."""
    rng = random.Random(seed)
    as_of = as_of or today
    rows = []
    for cust in customers(rng, n_customers):
        for _ in range(max(1, int(rng.gauss(per_customer, 3)))):
            issued = today - timedelta(days=rng.randint(0, 180))
            due = issued + timedelta(days=rng.choice([30, 30, 30, 45, 60]))
            ht = Decimal(str(round(rng.lognormvariate(6.8, 0.9), 2))).quantize(CENT)
            tax = (ht * Decimal("0.20")).quantize(CENT, ROUND_HALF_UP)
            total = ht + tax
            delay = _delay(rng, cust.behaviour)
            partial = rng.random() < 0.05
            if issued > as_of:
                continue
            paid, paid_on = Decimal("0"), None
            if delay is not None:
                pay_day = max(issued + timedelta(days=2), due + timedelta(days=delay))
                if pay_day <= as_of:
                    paid, paid_on = total, pay_day
                    if partial:
                        paid = (total / 2).quantize(CENT)
            rows.append((issued, cust, ht, tax, total, due, paid, paid_on))
    rows.sort(key=lambda r: (r[0], r[1].ref))
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(HEADER)
    for n, (issued, c, ht, tax, total, due, paid, paid_on) in enumerate(rows, 1):
        writer.writerow(
            [
                f"F{issued.year}-{n:05d}",
                c.ref,
                c.name,
                c.email,
                c.siren,
                c.kind,
                issued.strftime("%d/%m/%Y"),
                due.strftime("%d/%m/%Y"),
                _fr(ht),
                _fr(tax),
                _fr(total),
                _fr(paid) if paid else "",
                paid_on.strftime("%d/%m/%Y") if paid_on else "",
            ]
        )
    return buf.getvalue().encode("utf-8")


def _fr(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")
