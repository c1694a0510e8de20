"""The ledger is below dunning and the outbox: it announces payments through
relance.ledger.signals.invoices_paid (wired in DunningConfig.ready()) instead of
calling up into dunning, as tests/core/test_boundaries.py keeps the core pure."""

import ast
from datetime import date
from pathlib import Path

from relance.dunning.models import Action
from relance.dunning.services import run_dunning
from relance.ledger.manual import record_payment
from relance.ledger.signals import invoices_paid
from relance.timeline.models import Event
from tests.factories import make_invoice

LEDGER = Path(__file__).resolve().parents[2] / "relance" / "ledger"
ABOVE = ("relance.dunning.services", "relance.comms", "relance.portal", "relance.web")


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def test_the_ledger_never_imports_the_apps_that_react_to_it():
    for path in LEDGER.rglob("*.py"):
        upward = {m for m in imports(path) if m.startswith(ABOVE)}
        assert not upward, f"{path.relative_to(LEDGER)} imports {sorted(upward)}"


def test_a_payment_reaches_dunning_through_the_signal(acme):
    """GIVEN a reminder waiting to go out WHEN a person records the invoice's
    payment THEN dunning, told by the signal, cancels it at once."""
    assert invoices_paid.has_listeners()
    inv = make_invoice(acme, "F1", date(2026, 10, 1))
    run_dunning(acme, date(2026, 10, 2))
    record_payment(acme, inv, "alice", received_on=date(2026, 10, 5))
    assert Action.objects.get(step="reminder_1").status == "cancelled"
    assert Event.objects.filter(kind="action.cancelled").count() == 1
