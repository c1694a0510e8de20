"""The timeline's keys live outside the database, readable by their owner only."""

import stat

import pytest

import config.settings
from relance.timeline import checkpoints


def test_the_timeline_key_is_made_once_in_the_data_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("RELANCE_TIMELINE_KEY", raising=False)
    monkeypatch.setattr(config.settings, "DATA_DIR", tmp_path)
    key = config.settings._timeline_key()
    path = tmp_path / "timeline_key"
    assert len(key) == 64 and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.settings._timeline_key() == key
    path.write_text("")  # lost: never a known empty key
    with pytest.raises(ValueError, match="timeline_key is empty"):
        config.settings._timeline_key()
    monkeypatch.setenv("RELANCE_TIMELINE_KEY", "from the environment")
    assert config.settings._timeline_key() == b"from the environment"


def test_the_signing_key_is_made_once_where_settings_say(settings, tmp_path):
    settings.TIMELINE_SIGNING_KEY_FILE = tmp_path / "signing"
    pem = checkpoints.public_key_pem()
    assert stat.S_IMODE((tmp_path / "signing").stat().st_mode) == 0o600
    assert checkpoints.public_key_pem() == pem
