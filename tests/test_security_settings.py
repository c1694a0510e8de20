"""What a hostile world meets before any view runs: the security headers, a
deployment check without warnings behind TLS, pages that need no inline script,
and data files only the account running relance can read."""

import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
RELANCE = str(Path(sys.executable).with_name("relance"))
TEMPLATES = [
    *(ROOT / "relance" / "web" / "templates").rglob("*.html"),
    *(ROOT / "relance" / "portal" / "templates").rglob("*.html"),
]


def relance(tmp_path, *args, **env):
    """The `relance` command in a fresh SQLite data directory, in the environment
    a deployment has (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for this process)."""
    leave_out = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ = {k: v for k, v in os.environ.items() if k not in leave_out}
    environ.update(RELANCE_DATA_DIR=str(tmp_path / "data"), **env)
    return subprocess.run(
        [RELANCE, *args], capture_output=True, text=True, env=environ, timeout=120
    )


@pytest.mark.django_db
def test_pages_carry_a_strict_policy_and_the_usual_headers(client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in policy and "script-src" not in policy  # 'self' only
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    # Plain HTTP (no RELANCE_SECURE_COOKIES): no HSTS, no redirect.
    assert "Strict-Transport-Security" not in response
    assert response.status_code == 200


def test_no_page_needs_inline_script_or_style():
    """The policy refuses them, so a page relying on one would break."""
    for path in TEMPLATES:
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert not re.search(r"\sstyle\s*=|<style\b", text), path


def test_deployment_check_has_nothing_to_say_behind_tls(tmp_path):
    secure = relance(
        tmp_path, "check", "--deploy", RELANCE_SECURE_COOKIES="1", RELANCE_DEBUG="0"
    )
    assert secure.returncode == 0, secure.stderr
    assert "System check identified no issues" in secure.stdout, secure.stderr


def test_without_tls_nothing_claims_https(monkeypatch):
    """The tests' settings are plain HTTP: no HSTS, no redirect, and the
    deployment check says so."""
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # browser tests'
    out = StringIO()
    call_command("check", "--deploy", stderr=out, stdout=out)
    for warning in ("security.W004", "security.W008", "security.W012"):
        assert warning in out.getvalue()


PROBE = """
import json, os, stat
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from relance.orgs.services import create_organisation
create_organisation("modes", "Modes SAS")
default_storage.save("orgs/1/invoices/f-1.pdf", ContentFile(b"%PDF-1.7"))
modes = {}
for folder, dirs, files in os.walk(settings.DATA_DIR):
    for name in [*dirs, *files]:
        path = os.path.join(folder, name)
        rel = os.path.relpath(path, settings.DATA_DIR)
        modes[rel] = oct(stat.S_IMODE(os.stat(path).st_mode))
modes["."] = oct(stat.S_IMODE(os.stat(settings.DATA_DIR).st_mode))
print(json.dumps(modes))
"""


def test_a_fresh_data_directory_is_readable_by_its_owner_only(tmp_path):
    """GIVEN no data directory WHEN relance creates it, its database (with the
    WAL and shared memory files of an open connection), keys and a document
    THEN nobody else may read any of them, whatever umask the shell had."""
    result = relance(tmp_path, "shell", "-c", PROBE)
    assert result.returncode == 0, result.stderr
    modes = json.loads(result.stdout.strip().splitlines()[-1])
    for name in (
        "relance.sqlite3",
        "relance.sqlite3-wal",
        "relance.sqlite3-shm",
        "secret_key",
        "field_key",
        "documents/orgs/1/invoices/f-1.pdf",
    ):
        assert modes.pop(name) == "0o600", name
    for name, mode in modes.items():
        path = tmp_path / "data" / name
        assert mode == ("0o700" if path.is_dir() else "0o600"), (name, mode)


def test_the_wsgi_app_creates_private_files_too(tmp_path):
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ["RELANCE_DATA_DIR"] = str(tmp_path / "data")
    probe = "import os, config.wsgi; print(oct(os.umask(0)))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=60,
    )
    assert result.stdout.strip() == "0o77", result.stderr
