"""What a password must be before govflow keeps it.

A password is weak when it is shorter than 8 characters, uses only one kind of character
(lower-case letters, upper-case letters, digits, anything else — a CJK character counts as
"anything else") or contains the username.  The first administrator's password (``govflow
users create-admin``, the key to everything) must be stricter: 12 characters at least and
never the demo's published password, which other accounts may use only in a demo database
(where every seeded account has it).  Long passphrases of two kinds pass; length is what
resists guessing, the rest stops the obvious choices.  (Throttled sign-ins, see
``engine.sign_in.throttle``, make online guessing slow.)
"""

from __future__ import annotations

from .messages import say

MIN_LENGTH = 8
#: For the first administrator.
STRICT_MIN_LENGTH = 12

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


def weaknesses(
    password: str,
    username: str,
    lang: str = "zh",
    *,
    strict: bool = False,
    demo: bool = False,
) -> list[str]:
    """Why ``password`` is too weak for ``username`` (empty when it is strong enough)."""
    problems = []
    least = STRICT_MIN_LENGTH if strict else MIN_LENGTH
    if len(password) < least:
        problems.append(say(lang, "password_short", n=least))
    if len(_kinds(password)) < 2:
        problems.append(say(lang, "password_one_class"))
    if username and username.lower() in password.lower():
        problems.append(say(lang, "password_username"))
    if (strict or not demo) and password in DEMO_PASSWORDS:
        problems.append(say(lang, "password_demo"))
    return problems
