"""Signed checkpoints of the timeline's head, kept outside the database.

Each checkpoint says how many events an organisation's chain had, and the hash
of the last one, signed with an Ed25519 key from the data directory and
appended to `checkpoints/<org id>.jsonl` there. Verification then finds a
truncated tail (fewer events than a checkpoint counted) and a rewrite by
someone holding the timeline key (another hash at a checkpointed position).
An exported copy kept elsewhere still holds when the whole machine does not."""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from relance.core import chain

from .models import Event
from .services import verify

log = logging.getLogger(__name__)

BAD_SIGNATURE = "bad_signature"
UNREADABLE = "unreadable"
OTHER_ORGANISATION = "other_organisation"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    org: str  # the slug, for a reader; org_id is what counts
    org_id: int
    events: int
    last_event_id: int | None
    head: str
    at: str
    scheme: str  # of the last event's link


@dataclass(frozen=True, slots=True)
class Rejected:
    """A line that is not a checkpoint of this organisation signed by our key."""

    file: str
    line: int
    problem: str


class TimelineBroken(Exception):
    """The chain does not verify: no checkpoint may vouch for it."""

    def __init__(self, verdict: chain.Verdict):
        super().__init__(f"{verdict.problem} at event {verdict.first_bad_seq}")
        self.verdict = verdict


def file_for(org) -> Path:
    """Named by the organisation's id, never by a name someone chose."""
    return Path(settings.TIMELINE_CHECKPOINTS_DIR) / f"{int(org.pk)}.jsonl"


def signing_key() -> Ed25519PrivateKey:
    """The Ed25519 key of settings.TIMELINE_SIGNING_KEY_FILE, created (0600)
    when the file does not exist yet."""
    path = Path(settings.TIMELINE_SIGNING_KEY_FILE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured(f"{path} is not an Ed25519 key") from None
        return key
    key = Ed25519PrivateKey.generate()
    with os.fdopen(fd, "wb") as file:
        file.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        file.flush()
        os.fsync(file.fileno())
    return key


def public_key_pem() -> str:
    return (
        signing_key()
        .public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        .decode()
    )


def signed_line(checkpoint: Checkpoint) -> str:
    """One JSON line: the checkpoint and the signature of its canonical JSON."""
    body = asdict(checkpoint)
    signature = signing_key().sign(chain.canonical(body))
    return (
        json.dumps(
            {"checkpoint": body, "signature": base64.b64encode(signature).decode()},
            ensure_ascii=False,
            sort_keys=True,
        )
        + "\n"
    )


def parse(org, lines: Iterable[str], name: str):
    """The checkpoints of `lines` signed by our key, and the lines rejected."""
    public_key = signing_key().public_key()
    found, rejected = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            body = item["checkpoint"]
            public_key.verify(
                base64.b64decode(item["signature"], validate=True),
                chain.canonical(body),
            )
            checkpoint = Checkpoint(**body)
        except InvalidSignature:
            rejected.append(Rejected(name, number, BAD_SIGNATURE))
            continue
        except (ValueError, KeyError, TypeError):
            rejected.append(Rejected(name, number, UNREADABLE))
            continue
        if checkpoint.org_id != org.pk:
            rejected.append(Rejected(name, number, OTHER_ORGANISATION))
        else:
            found.append(checkpoint)
    return found, rejected


def read(org, path: Path | None = None):
    """Checkpoints of the organisation's own file, or of `path`: a copy of it
    or an export (see exported)."""
    path = path or file_for(org)
    if not path.exists():
        return [], []
    text = path.read_text()
    try:
        lines = [json.dumps(signed) for signed in json.loads(text)["checkpoints"]]
    except (ValueError, KeyError, TypeError):
        lines = text.splitlines()
    return parse(org, lines, str(path))


def exported(org) -> dict:
    """The organisation's checkpoints that verify, with the public key that
    checks them (Ed25519 signs the same line again, byte for byte)."""
    found, _ = read(org)
    return {
        "org": org.slug,
        "org_id": org.pk,
        "algorithm": "ed25519",
        "public_key": public_key_pem(),
        "signature_covers": "the checkpoint as JSON, keys sorted, no spaces, UTF-8",
        "checkpoints": [json.loads(signed_line(c)) for c in found],
    }


def write(org) -> Checkpoint:
    """Check the chain from the last checkpoint on, then append a checkpoint
    of its head (fsynced): a broken chain gets none (TimelineBroken)."""
    from relance.orgs.models import Organisation

    known, _ = read(org)
    anchor = max(known, key=lambda c: c.events, default=None)
    with transaction.atomic():
        seq, head = (
            Organisation.objects.select_for_update()
            .values_list("timeline_seq", "timeline_head")
            .get(pk=org.pk)
        )
        if anchor and anchor.events:
            verdict = verify(org, {anchor.events: anchor.head}, after=anchor.events)
        else:
            verdict = verify(org)
        if not verdict.ok:
            raise TimelineBroken(verdict)
        last = Event.objects.filter(org=org, seq=seq).values("id", "scheme").first()
    checkpoint = Checkpoint(
        org=org.slug,
        org_id=org.pk,
        events=seq,
        last_event_id=last and last["id"],
        head=head,
        at=timezone.now().isoformat(),
        scheme=last["scheme"] if last else chain.KEYED,
    )
    _append(file_for(org), signed_line(checkpoint))
    return checkpoint


def after_run(org) -> list[dict]:
    """The daily run's checkpoint; a warning for the run's result when the
    chain does not verify (the run itself is done and committed)."""
    try:
        write(org)
    except TimelineBroken as exc:
        log.error("timeline of %s does not verify: %s", org.slug, exc)
        return [
            {
                "reason": "timeline_broken",
                "problem": exc.verdict.problem,
                "first_bad_seq": exc.verdict.first_bad_seq,
            }
        ]
    return []


def _append(path: Path, line: str) -> None:
    """Append and fsync the file and, for a new file, its directory."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
