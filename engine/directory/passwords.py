"""What a password must be before govflow keeps it.

A password is weak when it is shorter than 12 characters, uses only one kind of character
(lower-case letters, upper-case letters, digits, anything else — a CJK character counts as
"anything else"), contains the username, or is the demo's published password.  Long
passphrases of two kinds pass; length is what resists guessing, the rest stops the
obvious choices.
"""

from __future__ import annotations

from .messages import say

MIN_LENGTH = 12

#: Published in the README and API.md: never accepted outside the demo seed.
DEMO_PASSWORDS = frozenset({"govflow-demo"})


def _kinds(password: str) -> set[str]:
    kinds = set()
    for char in password:
        if char.isascii() and char.islower():
            kinds.add("lower")
        elif char.isascii() and char.isupper():
            kinds.add("upper")
        elif char.isdigit():
            kinds.add("digit")
        else:
            kinds.add("other")
    return kinds


def weaknesses(password: str, username: str, lang: str = "zh") -> list[str]:
    """Why ``password`` is too weak for ``username`` (empty when it is strong enough)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(say(lang, "password_short", n=MIN_LENGTH))
    if len(_kinds(password)) < 2:
        problems.append(say(lang, "password_one_class"))
    if username and username.lower() in password.lower():
        problems.append(say(lang, "password_username"))
    if password in DEMO_PASSWORDS:
        problems.append(say(lang, "password_demo"))
    return problems
