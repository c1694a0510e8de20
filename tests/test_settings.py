import re
from pathlib import Path

import pytest

from config.settings import envbool, envint

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_read_from_the_environment_is_documented():
    settings_text = (ROOT / "config" / "settings.py").read_text()
    used = set(re.findall(r'"((?:RELANCE_|DATABASE_)[A-Z_]+)"', settings_text))
    documented = set(
        re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    assert used <= documented, f"undocumented: {sorted(used - documented)}"


def test_bad_values_are_refused_with_the_variable_name(monkeypatch):
    monkeypatch.setenv("RELANCE_X", "peut-être")
    with pytest.raises(ValueError, match="RELANCE_X must be a boolean"):
        envbool("RELANCE_X", False)
    monkeypatch.setenv("RELANCE_X", "douze")
    with pytest.raises(ValueError, match="RELANCE_X must be an integer"):
        envint("RELANCE_X", 1)
    monkeypatch.setenv("RELANCE_X", "off")
    assert envbool("RELANCE_X", True) is False
