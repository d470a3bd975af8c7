"""Bearer API keys: each key is a tenant."""

from __future__ import annotations

import hashlib
import hmac
import threading
from typing import Iterable

from wave_mock.errors import Unauthorized

DEFAULT_DEV_KEY = "wave_dev_key"


def tenant_of(key: str) -> str:
    """Name the tenant of ``key`` without revealing the key (safe to log and store)."""
    return "t_" + hashlib.sha256(key.encode()).hexdigest()[:16]


def unusable_key_reason(key: str) -> str | None:
    """Say why ``key`` could never arrive in an ``Authorization: Bearer`` header (else None).

    >>> unusable_key_reason("wave dev")
    'it contains whitespace, which ends a bearer token'
    """
    if not key:
        return "it is empty"
    if not key.isascii():
        return "it has non-ASCII characters, which HTTP headers cannot carry"
    if any(c.isspace() for c in key):
        return "it contains whitespace, which ends a bearer token"
    if any(not c.isprintable() for c in key):
        return "it contains control characters, which HTTP headers cannot carry"
    return None


def bearer_token(header: str | None) -> str:
    """Return the token of an ``Authorization: Bearer`` header, or raise 401."""
    if not header:
        raise Unauthorized("Missing Authorization header; send 'Authorization: Bearer KEY'.")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthorized("Malformed Authorization header; expected 'Bearer KEY'.")
    return token


class KeyRing:
    """The accepted API keys, compared in constant time."""

    def __init__(self, keys: Iterable[str], admin_token: str | None = None) -> None:
        self._keys = [k.encode() for k in keys]
        self._admin = admin_token.encode() if admin_token else None
        self.tenants = [tenant_of(k.decode()) for k in self._keys]
        # What the access log masks wherever it appears.
        self.secrets = [k.decode() for k in self._keys] + ([admin_token] if admin_token else [])
        self._adding = threading.Lock()

    def add(self, key: str) -> str:
        """Accept ``key`` from now on (``POST /_mock/keys``); return its tenant. Adding a known key changes nothing."""
        with self._adding:
            if key.encode() not in self._keys:
                # Appends, never rebinds: a request iterating the lists sees the key or not, both safe.
                self.secrets.append(key)
                self.tenants.append(tenant_of(key))
                self._keys.append(key.encode())
        return tenant_of(key)

    def tenant_for(self, token: str) -> str:
        """Return the tenant of ``token``, or raise 401; every key is compared."""
        candidate = token.encode()
        match = None
        for key in self._keys:
            if hmac.compare_digest(key, candidate):
                match = key
        if match is None:
            raise Unauthorized("Unknown API key.")
        return tenant_of(match.decode())

    def is_admin(self, token: str) -> bool:
        """Tell whether ``token`` is the admin token (constant time)."""
        return self._admin is not None and hmac.compare_digest(self._admin, token.encode())
