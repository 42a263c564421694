"""Password hashing: scrypt (stdlib) with a per-user salt.

A leaf module, so that seeding demo users and authenticating share it without the seed
data depending on the services.

A hash made at the default cost is ``scrypt$<salt>$<digest>``; one made at another cost
names it, ``scrypt:<n>:<r>:<p>$<salt>$<digest>``, so that it is checked at the cost it was
made with whichever process checks it.  Only the test suite sets another cost
(``set_cost``): it signs in hundreds of times, and the memory-hard default is the point of
scrypt everywhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: scrypt's (n, r, p): CPU and memory cost, block size, parallelism; 16 MiB per hash.
DEFAULT_COST = (2**14, 8, 1)
_DKLEN = 32
_cost = DEFAULT_COST


def set_cost(n: int, r: int, p: int) -> None:
    """The cost of the hashes made from now on in this process (tests only, see above)."""
    global _cost
    hashlib.scrypt(b"", salt=b"0" * 16, n=n, r=r, p=p, dklen=_DKLEN)  # refuses a bad cost
    _cost = (n, r, p)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    n, r, p = _cost
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN)
    scheme = "scrypt" if _cost == DEFAULT_COST else f"scrypt:{n}:{r}:{p}"
    return f"{scheme}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
        name, *cost = scheme.split(":")
        n, r, p = (int(part) for part in cost) if cost else DEFAULT_COST
        if name != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"), salt=bytes.fromhex(salt_hex), n=n, r=r, p=p, dklen=_DKLEN
        )
    except ValueError:  # not one of our hashes, or a cost scrypt refuses
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)
