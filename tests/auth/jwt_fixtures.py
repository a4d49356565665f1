"""Keys, JWKS documents and tokens minted by an independent implementation:
Debian's python3-jwt (PyJWT) and python3-cryptography. Shared by the auth
tests and the server's client-auth integration tests."""
import base64
import hashlib
import hmac
import json
import os
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, HMACAlgorithm, RSAAlgorithm


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class KeyRing:
    """One key per algorithm: HS256 'hs1', RS256 'rsa1', ES256 'ec1'."""

    def __init__(self, suffix="1"):
        self.suffix = suffix
        self.hmac_secret = os.urandom(32)
        self.rsa_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec_private = ec.generate_private_key(ec.SECP256R1())
        self.kids = {"HS256": "hs" + suffix, "RS256": "rsa" + suffix, "ES256": "ec" + suffix}

    def signing_key(self, alg):
        return {"HS256": self.hmac_secret, "RS256": self.rsa_private,
                "ES256": self.ec_private}[alg]

    def jwks_keys(self):
        keys = [json.loads(HMACAlgorithm.to_jwk(self.hmac_secret)),
                json.loads(RSAAlgorithm.to_jwk(self.rsa_private.public_key())),
                json.loads(ECAlgorithm.to_jwk(self.ec_private.public_key()))]
        for key, alg in zip(keys, ("HS256", "RS256", "ES256")):
            key["alg"] = alg
            key["kid"] = self.kids[alg]
            key["use"] = "sig"
        return keys

    def rsa_public_pem(self):
        return self.rsa_private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def token(self, alg="RS256", hunts=("spring",), lifetime=300, kid=None, **claims):
        now = int(time.time())
        payload = {"sub": "player-1", "iat": now, "exp": now + lifetime,
                   "trove": {"hunts": list(hunts)}}
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, self.signing_key(alg), algorithm=alg,
                          headers={"kid": kid or self.kids[alg]})

    def hs256_with_rsa_public_key(self, hunts=("spring",)):
        """The algorithm-confusion attack, made by hand: PyJWT itself refuses
        to use a PEM public key as an HMAC secret."""
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT",
                                    "kid": self.kids["RS256"]}).encode())
        now = int(time.time())
        body = b64url(json.dumps({"exp": now + 300, "trove": {"hunts": list(hunts)}}).encode())
        signing_input = (header + "." + body).encode()
        mac = hmac.new(self.rsa_public_pem(), signing_input, hashlib.sha256).digest()
        return header + "." + body + "." + b64url(mac)


def unsigned_token(hunts=("spring",)):
    now = int(time.time())
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = b64url(json.dumps({"exp": now + 300, "trove": {"hunts": list(hunts)}}).encode())
    return header + "." + body + "."


def tampered(token, hunts=("*",)):
    """The token with its claims replaced (granting `hunts`), signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["trove"] = {"hunts": list(hunts)}
    return header + "." + b64url(json.dumps(claims).encode()) + "." + signature


def write_jwks(path, keys):
    """Replaces the file whole (write then rename), as a Secret update does."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"keys": keys}, f)
    os.replace(tmp, path)
