"""The province's signature over what oversight freezes (the audit ledger's seals, a published
ranking): RSA PKCS#1 v1.5 SHA-256 with the hub's signing authority, sealed under HUB_KEY_SECRET."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from interagency.edxml.certificates import load_rsa_key
from interagency.hub.services.authority import authority_get
from interagency.hub.services.sealing import unseal


def province_key() -> rsa.RSAPrivateKey:
    """The province's private key. Verification uses its public half too, not the stored
    certificate: whoever can rewrite tables but lacks HUB_KEY_SECRET cannot swap in their own."""
    return load_rsa_key(unseal(authority_get().private_key))


def canonical(document: Any) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def province_sign(payload: bytes, key: rsa.RSAPrivateKey | None = None) -> str:
    key = key or province_key()
    return base64.b64encode(key.sign(payload, padding.PKCS1v15(), hashes.SHA256())).decode()


def province_signature_holds(
    payload: bytes, signature: str, public_key: rsa.RSAPublicKey | None = None
) -> bool:
    public_key = public_key or province_key().public_key()
    try:
        public_key.verify(base64.b64decode(signature), payload, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True
