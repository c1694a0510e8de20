"""An organisation's watched folder: files dropped in `invoices/` or `bank/`
are imported by its daily cycle, then moved to `done/` (or `failed/` with the
reason beside them). Re-importing a file changes nothing, so a cycle cut off
between the import and the move repeats nothing."""

import os
from pathlib import Path

from relance.ledger.bank import import_bank
from relance.ledger.services import import_invoices
from relance.orgs.models import Organisation

KINDS = ("invoices", "bank")


def import_dropped(org: Organisation, folder: str, renew) -> dict:
    """Import each file waiting in the folder, oldest first; `renew` is called
    between files so a long batch keeps its claim."""
    counts = {"imported": 0, "failed": 0, "files": []}
    root = Path(folder)
    for kind in KINDS:
        inbox = root / kind
        if not inbox.is_dir():
            continue
        waiting = sorted(
            (p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")),
            key=lambda p: (p.stat().st_mtime, p.name),
        )
        for path in waiting:
            renew()
            try:
                result = _import(org, kind, path)
            except Exception as exc:  # one bad file must not stop the day
                _refuse(path, root / "failed" / kind, f"{type(exc).__name__}: {exc}")
                counts["failed"] += 1
                continue
            refused = result.pop("refused", None)
            if refused:
                _refuse(path, root / "failed" / kind, refused)
                counts["failed"] += 1
                continue
            _move(path, root / "done" / kind)
            counts["imported"] += 1
            counts["files"].append({"kind": kind, "file": path.name, **result})
    return counts


def _import(org, kind: str, path: Path) -> dict:
    """What the import read; `refused` with the reasons when it read nothing
    but rejections (a file of the wrong kind, or unreadable)."""
    data = path.read_bytes()
    if kind == "bank":
        result = import_bank(org, data, path.name, actor="worker")
        keys = ("lines", "duplicates", "matched", "to_review", "unmatched")
        counts = {k: result[k] for k in keys}
        read = result["lines"] + result["ignored_debits"]
    else:
        result = import_invoices(org, data, path.name, actor="worker")
        counts = {k: result[k] for k in ("imported", "updated")}
        counts["rejected"] = len(result["rejected"])
        read = result["imported"] + result["updated"]
    if result["rejected"] and not read:
        counts["refused"] = "\n".join(r["reason"] for r in result["rejected"])
    return counts


def _refuse(path: Path, folder: Path, reason: str) -> None:
    _move(path, folder)
    (folder / f"{path.name}.error.txt").write_text(reason + "\n")


def _move(path: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.replace(path, folder / path.name)
