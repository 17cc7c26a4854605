"""The installation key: made at first use, owner-only, refused when others can read it."""

from __future__ import annotations

import os
import stat

import pytest

from meldkamer import config
from meldkamer.errors import InvalidInput, Refused
from meldkamer.services import audit_key


@pytest.fixture(autouse=True)
def _no_key_yet() -> None:
    """The test session installs one key for every test; these tests start without it."""
    audit_key.key_path().unlink(missing_ok=True)
    audit_key.forget()


def test_the_key_is_made_at_first_use_readable_by_its_owner_only() -> None:
    path = config.config_dir() / "audit.key"
    assert not path.exists()
    key = audit_key.installation_key()
    assert len(key) == 32 and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    audit_key.forget()
    assert audit_key.installation_key() == key  # read back, not made again


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_a_key_others_can_read_is_refused(mode: int) -> None:
    audit_key.installation_key()
    os.chmod(audit_key.key_path(), mode)
    audit_key.forget()
    with pytest.raises(Refused, match="readable by other users") as err:
        audit_key.installation_key()
    assert err.value.fields["path"] == str(audit_key.key_path())


def test_a_damaged_key_is_refused_and_not_replaced() -> None:
    path = audit_key.key_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not a key\n")
    os.chmod(path, 0o600)
    with pytest.raises(InvalidInput, match="not a key written by meldkamer"):
        audit_key.installation_key()
    assert path.read_text() == "not a key\n"


def test_purposes_get_different_keys() -> None:
    assert audit_key.subkey("chain") != audit_key.subkey("rows")
