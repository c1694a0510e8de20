"""`relance timeline verify`: the chain checked with its key and against every
signed checkpoint, and what was found said in words."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relance.core import chain

from . import checkpoints
from .services import verify


def audit(org, copy: Path | None = None) -> dict:
    """The chain against the key and the organisation's checkpoints, and those
    of `copy` (an exported or copied file) too. JSON-ready, with `message` in
    the active language."""
    found, rejected = checkpoints.read(org)
    if copy is not None:
        more, more_rejected = checkpoints.read(org, copy)
        # A copy repeats the organisation's own checkpoints: count each once.
        found, rejected = list(dict.fromkeys(found + more)), rejected + more_rejected
    verdict = verify(org, {c.events: c.head for c in found if c.events})
    latest = max(found, key=lambda c: c.events, default=None)
    report = {
        "ok": verdict.ok and not rejected,
        "events": verdict.checked,
        "first_bad_seq": verdict.first_bad_seq,
        "problem": verdict.problem or (rejected[0].problem if rejected else ""),
        "checkpoints": len(found),
        "latest_checkpoint": asdict(latest) if latest else None,
        "rejected_checkpoints": [asdict(r) for r in rejected],
    }
    report["message"] = message(verdict, rejected, len(found))
    return report


def message(verdict: chain.Verdict, rejected, checkpoint_count: int) -> str:
    seq = {"seq": verdict.first_bad_seq}
    if not verdict.ok:
        return CHAIN_PROBLEMS[verdict.problem] % seq
    if rejected:
        first = rejected[0]
        return CHECKPOINT_PROBLEMS[first.problem] % {
            "line": first.line,
            "file": first.file,
        }
    return _(
        "The timeline is intact: %(events)d events; signed checkpoints: "
        "%(checkpoints)d."
    ) % {"events": verdict.checked, "checkpoints": checkpoint_count}


CHAIN_PROBLEMS = {
    chain.MISSING: gettext_lazy("Event %(seq)s is missing."),
    chain.BROKEN_LINK: gettext_lazy(
        "Event %(seq)s is not linked to the event before it."
    ),
    chain.UNKNOWN_SCHEME: gettext_lazy(
        "Event %(seq)s was hashed with an unknown scheme."
    ),
    chain.DOWNGRADED: gettext_lazy(
        "Event %(seq)s is hashed without the key after keyed events: the "
        "timeline was rewritten."
    ),
    chain.CONTENT: gettext_lazy(
        "Event %(seq)s does not match its hash: it was edited, or hashed with "
        "another key."
    ),
    chain.REWRITTEN: gettext_lazy(
        "Event %(seq)s differs from a signed checkpoint: the timeline was rewritten."
    ),
    chain.TRUNCATED: gettext_lazy(
        "The timeline ends before event %(seq)s, which a signed checkpoint "
        "counted: events were deleted."
    ),
    chain.HEAD: gettext_lazy(
        "The timeline does not end at its recorded head (event %(seq)s)."
    ),
}

CHECKPOINT_PROBLEMS = {
    checkpoints.BAD_SIGNATURE: gettext_lazy(
        "Line %(line)s of %(file)s is a checkpoint with a wrong signature: it "
        "was forged or altered."
    ),
    checkpoints.UNREADABLE: gettext_lazy(
        "Line %(line)s of %(file)s is not a checkpoint."
    ),
    checkpoints.OTHER_ORGANISATION: gettext_lazy(
        "Line %(line)s of %(file)s is a checkpoint of another organisation."
    ),
}
