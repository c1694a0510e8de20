"""The database schema is checked once per version, not on every command: a
stamp in the data directory holds a fingerprint of the migrations installed
and of the database they were checked against. A command sees the same
fingerprint and goes straight to its work; `serve` and `worker` always check."""

import hashlib
import importlib.util
import os
from pathlib import Path

STAMP = "schema_checked"


def fingerprint(settings) -> str:
    db = settings.DATABASES["default"]
    digest = hashlib.sha256(
        "|".join(
            str(db.get(k, "")) for k in ("ENGINE", "HOST", "PORT", "NAME")
        ).encode()
    )
    for app in settings.INSTALLED_APPS:
        spec = importlib.util.find_spec(app)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(next(iter(spec.submodule_search_locations))) / "migrations"
        for path in sorted(folder.glob("*.py")):
            digest.update(f"{app}/{path.name}:{path.stat().st_size}\n".encode())
    return digest.hexdigest()


def _stamp_file(settings) -> Path:
    return Path(settings.DATA_DIR) / STAMP


def checked(settings) -> bool:
    """True when this schema was checked against this database already."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and not Path(db["NAME"]).exists():
        return False
    try:
        return _stamp_file(settings).read_text() == fingerprint(settings)
    except FileNotFoundError:
        return False


def stamp(settings) -> None:
    """Written whole or not at all; each process through its own partial file,
    since two workers starting together both stamp (one renamed the other's)."""
    path = _stamp_file(settings)
    partial = path.with_name(f"{STAMP}.{os.getpid()}.partial")
    partial.write_text(fingerprint(settings))
    partial.replace(path)
