"""relance.core and relance.formats must run without Django."""

import subprocess
import sys


def test_core_and_formats_import_without_django():
    code = (
        "import sys, pkgutil, importlib, relance.core, relance.formats\n"
        "for pkg in (relance.core, relance.formats):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(len(bad)); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "0"
