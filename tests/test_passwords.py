"""Stored password hashes: checked at the cost they were made with, whatever the cost now."""

from __future__ import annotations

import pytest

from engine import passwords


@pytest.fixture
def default_cost():  # noqa: ANN201
    """The production cost for the test (the suite's own is cheaper, see conftest)."""
    suite_cost = passwords._cost
    passwords.set_cost(*passwords.DEFAULT_COST)
    yield
    passwords.set_cost(*suite_cost)


def test_a_hash_at_the_default_cost_keeps_the_three_part_form(default_cost):  # noqa: ANN001
    stored = passwords.hash_password("秘密-Secret-1")
    scheme, salt, digest = stored.split("$")
    assert (scheme, len(salt), len(digest)) == ("scrypt", 32, 64)
    assert passwords.check_password("秘密-Secret-1", stored)
    assert not passwords.check_password("秘密-Secret-2", stored)


def test_a_hash_made_at_another_cost_is_checked_at_that_cost(default_cost):  # noqa: ANN001
    passwords.set_cost(16, 8, 1)
    cheap = passwords.hash_password("pw")
    assert cheap.startswith("scrypt:16:8:1$")
    passwords.set_cost(*passwords.DEFAULT_COST)
    dear = passwords.hash_password("pw")
    # Each checks at its own cost, whichever cost the checking process makes hashes at.
    assert passwords.check_password("pw", cheap) and passwords.check_password("pw", dear)
    assert not passwords.check_password("pW", cheap)
    # The cost is part of what is checked: the same digest under another cost fails.
    assert not passwords.check_password("pw", cheap.replace("scrypt:16:", "scrypt:32:", 1))


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain-text",
        "bcrypt$00$00",
        "scrypt:3:8:1$00$00",  # n must be a power of two
        "scrypt:16:8$00$00",
        "scrypt:x:8:1$00$00",
        "scrypt$zz$00",
        "scrypt$00$00$00",
    ],
)
def test_a_stored_value_that_is_no_hash_of_ours_never_matches(stored: str):
    assert not passwords.check_password("", stored)
    assert not passwords.check_password("pw", stored)


def test_a_cost_scrypt_refuses_is_refused_when_set():
    before = passwords._cost
    with pytest.raises(ValueError):
        passwords.set_cost(3, 8, 1)
    assert passwords._cost == before
