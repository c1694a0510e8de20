"""Backups of everything relance keeps, taken while it runs, and brought back
into an empty data directory: the database (SQLite's online backup, or
pg_dump), and the data directory's files (keys, checkpoints, documents, print
batches). Checkpoints are copied before the database, so none counts events
the copy lacks; documents after it, so every document the copy names is in."""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .progress import Progress

FORMAT = 1
SQLITE_NAME = "relance.sqlite3"
PG_NAME = "database.pgdump"
# Made again from what is installed, or the database itself.
SKIPPED = {"static", SQLITE_NAME, f"{SQLITE_NAME}-wal", f"{SQLITE_NAME}-shm"}
KEYS_FROM_ENV = ("RELANCE_SECRET_KEY", "RELANCE_TIMELINE_KEY", "RELANCE_FIELD_KEY")


class RestoreError(Exception):
    pass


def _files(root: Path, out: Path) -> list[Path]:
    """The data directory's files (relative), checkpoints first."""
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in SKIPPED or not path.is_file() or path == out:
            continue
        found.append(rel)
    return sorted(found, key=lambda p: p.parts[0] != "checkpoints")


def _pg_url() -> str:
    db = settings.DATABASES["default"]
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{db.get('USER', '')}@{db.get('HOST', '')}{port}/{db['NAME']}"


def _pg_env() -> dict:
    return {
        **os.environ,
        "PGPASSWORD": settings.DATABASES["default"].get("PASSWORD", ""),
    }


def _dump_database(into: Path) -> str:
    if connection.vendor == "postgresql":
        target = into / PG_NAME
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-acl",
                "-f",
                str(target),
                _pg_url(),
            ],
            check=True,
            env=_pg_env(),
        )
        return PG_NAME
    target = into / SQLITE_NAME
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    copy = sqlite3.connect(target)
    with copy:
        source.backup(copy)  # a consistent copy while others write
    copy.close()
    source.close()
    return SQLITE_NAME


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def backup(out: Path, show_progress: bool = True) -> dict:
    """Write a .tar.gz of everything to `out` (owner-only, complete or absent)."""
    root = Path(settings.DATA_DIR)
    out = out.resolve()
    files = _files(root, out)
    checkpoints = [f for f in files if f.parts[0] == "checkpoints"]
    others = [f for f in files if f.parts[0] != "checkpoints"]
    progress = Progress("backup", len(files) + 1, show_progress)
    partial = out.with_name(out.name + ".partial")
    digests = {}
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(partial, "w:gz") as tar:
        os.chmod(partial, 0o600)
        for rel in checkpoints:
            data = (root / rel).read_bytes()
            digests[str(rel)] = hashlib.sha256(data).hexdigest()
            _add(tar, f"data/{rel}", data)
            progress.step()
        name = _dump_database(Path(tmp))
        tar.add(Path(tmp) / name, arcname=name)
        progress.step()
        for rel in others:
            tar.add(root / rel, arcname=f"data/{rel}")
            progress.step()
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "engine": connection.vendor,
            "database": name,
            "files": len(files),
            "keys_from_environment": [k for k in KEYS_FROM_ENV if os.environ.get(k)],
        }
        _add(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
    progress.close()
    os.replace(partial, out)
    return {"out": str(out), **manifest}


def _empty() -> bool:
    """A data directory holding no database yet (its fresh keys may go)."""
    if connection.vendor == "postgresql":
        return not connection.introspection.table_names()
    path = Path(settings.DATABASES["default"]["NAME"])
    return not path.exists() or path.stat().st_size == 0


def restore(source: Path, show_progress: bool = True) -> dict:
    """Bring a backup back into an empty data directory (and empty database)."""
    if not _empty():
        raise RestoreError(
            "the data directory already holds a database: restore into an empty one"
        )
    root = Path(settings.DATA_DIR)
    with tarfile.open(source, "r:gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        if manifest.get("format") != FORMAT:
            raise RestoreError(f"unknown backup format {manifest.get('format')!r}")
        if manifest["engine"] != connection.vendor:
            raise RestoreError(
                f"this backup holds a {manifest['engine']} database, the data "
                f"directory uses {connection.vendor}: see docs/DEPLOY.md"
            )
        members = [m for m in tar.getmembers() if m.name.startswith("data/")]
        progress = Progress("restore", len(members) + 1, show_progress)
        with tempfile.TemporaryDirectory(dir=root) as tmp:
            tar.extractall(tmp, members=members, filter="data")
            tar.extract(manifest["database"], tmp, filter="data")
            for member in members:
                target = root / Path(member.name).relative_to("data")
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.replace(Path(tmp) / member.name, target)
                os.chmod(target, 0o600)
                progress.step()
            _load_database(Path(tmp) / manifest["database"])
            progress.step()
    progress.close()
    return {"restored": str(source), **manifest}


def _load_database(path: Path) -> None:
    connection.close()
    if connection.vendor == "postgresql":
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "-d",
                _pg_url(),
                str(path),
            ],
            check=True,
            env=_pg_env(),
        )
        return
    target = Path(settings.DATABASES["default"]["NAME"])
    for leftover in (f"{target}-wal", f"{target}-shm"):
        Path(leftover).unlink(missing_ok=True)
    shutil.move(path, target)
    os.chmod(target, 0o600)
