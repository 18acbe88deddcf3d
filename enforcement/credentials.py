"""Passwords and tokens: scrypt for what people type, SHA-256 digests for random keys.

Passwords are hashed with scrypt (a memory-hard KDF, RFC 7914) and a per-password salt; bearer
tokens and device keys are 256-bit random strings, so a plain SHA-256 digest is enough to store them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # ~16 MiB, ~50 ms per check
SCHEME = "scrypt"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"{SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != SCHEME:
        return False
    digest = _scrypt(password, bytes.fromhex(salt_hex), int(n), int(r), int(p))
    return hmac.compare_digest(digest.hex(), digest_hex)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 2**20, dklen=32)


def new_secret() -> str:
    """A fresh bearer token or device key (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def new_password() -> str:
    """A readable generated password for demo and CLI-created accounts; never starting with - or
    _, so it can follow a flag on a command line (``--password P``)."""
    while True:
        password = secrets.token_urlsafe(12)
        if password[0].isalnum():
            return password


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
