"""The invoice exports of French accounting and invoicing packages: for each,
the headers that tell its export apart and the column holding each field. A
preset is used when exactly one package's headers are all in a file's header;
otherwise the columns are guessed from their names (invoices_csv.ALIASES).
Each is tested on a file shaped like that package's export
(tests/formats/files/invoices-*)."""

from __future__ import annotations

from dataclasses import dataclass

from .tabular import normalise_header


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    signature: tuple[str, ...]  # headers, normalised, all in the export
    columns: dict[str, str]  # field -> header, as the export writes it
    ignored: tuple[str, ...] = ()  # headers, normalised, that name no field
    month_first: bool = False  # dates written mm/dd/yyyy (US English)


PRESETS = (
    Preset(
        "Sage 100",
        ("tiers", "intitule_tiers", "n_piece", "reste_a_payer"),
        {
            "customer_ref": "Tiers",
            "customer_name": "Intitulé tiers",
            "number": "N° pièce",
            "issue_date": "Date pièce",
            "due_date": "Date d'échéance",
            "total": "Montant TTC",
            "open_amount": "Reste à payer",
        },
    ),
    Preset(
        "Sage 50",
        ("n_facture", "code_client", "net_a_payer", "reste_du"),
        {
            "number": "N° facture",
            "customer_ref": "Code client",
            "customer_name": "Raison sociale",
            "issue_date": "Date",
            "due_date": "Échéance",
            "total_excl_tax": "Total HT",
            "total": "Net à payer",
            "open_amount": "Reste dû",
        },
    ),
    Preset(
        "EBP",
        ("n_document", "date_document", "reste_a_regler"),
        {
            "number": "N° document",
            "issue_date": "Date document",
            "customer_ref": "Code client",
            "customer_name": "Nom client",
            "due_date": "Date d'échéance",
            "total_excl_tax": "Total HT",
            "total": "Total TTC",
            "open_amount": "Reste à régler",
        },
    ),
    Preset(
        "Cegid",
        ("nature", "souche", "numero", "libelle_tiers"),
        {
            "number": "Numéro",
            "issue_date": "Date pièce",
            "customer_ref": "Tiers",
            "customer_name": "Libellé tiers",
            "due_date": "Date échéance",
            "total_excl_tax": "Total HT",
            "total": "Total TTC",
            "open_amount": "Reste à payer",
        },
    ),
    Preset(
        "Pennylane",
        ("numero_de_facture", "date_de_facturation", "montant_restant", "label"),
        {
            "number": "Numéro de facture",
            "customer_name": "Client",
            "customer_email": "Email client",
            "issue_date": "Date de facturation",
            "due_date": "Date d'échéance",
            "total_excl_tax": "Montant HT",
            "tax": "Montant TVA",
            "total": "Montant TTC",
            "open_amount": "Montant restant",
            "currency": "Devise",
            "status": "Statut",
        },
    ),
    Preset(
        "Sellsy",
        ("numero", "tiers", "montant_restant_du"),
        {
            "number": "Numéro",
            "issue_date": "Date",
            "customer_name": "Tiers",
            "due_date": "Date d'échéance",
            "total_excl_tax": "Montant HT",
            "total": "Montant TTC",
            "open_amount": "Montant restant dû",
            "currency": "Devise",
            "status": "Statut",
        },
    ),
    Preset(
        "QuickBooks",
        ("transaction_type", "no", "open_balance"),
        {
            "issue_date": "Date",
            "number": "No.",
            "customer_name": "Customer",
            "due_date": "Due date",
            "total": "Amount",
            "open_amount": "Open balance",
            "status": "Status",
        },
        month_first=True,
    ),
    Preset(
        "Axonaut",
        ("entreprise", "montant_paye", "reste_a_payer"),
        {
            "number": "Numéro",
            "issue_date": "Date",
            "customer_name": "Entreprise",
            "due_date": "Date d'échéance",
            "total_excl_tax": "Montant HT",
            "total": "Montant TTC",
            "paid": "Montant payé",
            "status": "Statut",
        },
    ),
    Preset(
        "Tiime",
        ("numero_de_facture", "date_d_emission", "total_ttc"),
        {
            "number": "Numéro de facture",
            "issue_date": "Date d'émission",
            "customer_name": "Client",
            "due_date": "Date d'échéance",
            "total_excl_tax": "Total HT",
            "tax": "Total TVA",
            "total": "Total TTC",
            "status": "Statut",
        },
    ),
    Preset(
        "Henrri",
        ("n_facture", "date_de_creation", "montant_ttc"),
        {
            "number": "N° Facture",
            "issue_date": "Date de création",
            "customer_name": "Client",
            "due_date": "Date d'échéance",
            "total_excl_tax": "Montant HT",
            "total": "Montant TTC",
            "status": "Statut",
        },
    ),
    Preset(
        "Odoo",
        ("number", "partner", "invoice_bill_date", "amount_due"),
        {
            "number": "Number",
            "customer_name": "Partner",
            "issue_date": "Invoice/Bill Date",
            "due_date": "Due Date",
            "total_excl_tax": "Untaxed Amount",
            "total": "Total",
            "open_amount": "Amount Due",
            "currency": "Currency",
            "status": "Status",
        },
    ),
    Preset(
        "Dolibarr",
        ("ref", "ref_client", "date_limite_reglement"),
        {
            "number": "Réf.",
            "customer_name": "Tiers",
            "issue_date": "Date facturation",
            "due_date": "Date limite règlement",
            "total_excl_tax": "Montant HT",
            "tax": "Montant TVA",
            "total": "Montant TTC",
            "open_amount": "Reste à payer",
            "status": "État",
        },
        ignored=("ref_client",),  # the customer's own order reference
    ),
)


def preset_for(header: list[str]) -> Preset | None:
    """The one package whose export this header is, if exactly one fits."""
    names = {normalise_header(h) for h in header}
    fits = [p for p in PRESETS if names.issuperset(p.signature)]
    return fits[0] if len(fits) == 1 else None
