"""argon2id password hashes: never the password, verified, rehashed on new parameters."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from meldkamer.auth import passwords
from meldkamer.errors import InvalidInput


def test_a_hash_is_argon2id_and_verifies_only_the_right_password() -> None:
    digest = passwords.hash_password("correct horse")
    assert digest.startswith("$argon2id$") and "correct horse" not in digest
    assert passwords.verify(digest, "correct horse")
    assert not passwords.verify(digest, "correct horsE")
    assert not passwords.verify("not a hash", "correct horse")
    assert passwords.hash_password("correct horse") != digest  # salted


@pytest.mark.parametrize(("bad", "says"), [("", "too short"), ("geheim7", "too short"),
                                           ("x" * 257, "too long")])
def test_too_short_or_too_long_is_refused_without_naming_it(bad: str, says: str) -> None:
    with pytest.raises(InvalidInput) as err:
        passwords.hash_password(bad)
    assert says in str(err.value)
    assert not bad or bad not in str(err.value)


def test_a_hash_with_other_parameters_needs_a_rehash(monkeypatch: pytest.MonkeyPatch) -> None:
    old = PasswordHasher.from_parameters(profiles.CHEAPEST).hash("correct horse")
    assert not passwords.needs_rehash(old)  # the tests' own (cheap) parameters
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=2, memory_cost=1024,
                                                            parallelism=1))
    assert passwords.needs_rehash(old)
    assert passwords.verify(old, "correct horse")  # still verifies meanwhile
