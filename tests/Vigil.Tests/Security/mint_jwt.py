"""Mints JWTs with PyJWT (Debian's python3-jwt), an implementation independent of Vigil's, for the security tests.

Reads a JSON list of requests on stdin and prints a JSON list of tokens, one per request, in order. A request is
{"alg": "RS256" | "ES256" | "none" | "HS256", "key": PEM private key (RS256/ES256) or the bytes an HS256 forger uses as
its secret, "kid": optional, "claims": {...}}. Run it with /usr/bin/python3 (Debian's packages load only there).
"""
import hashlib
import hmac
import json
import sys

import jwt
from jwt.utils import base64url_encode


def forge_hs256(secret, headers, claims):
    # PyJWT (rightly) refuses a PEM public key as an HMAC secret; an attacker signs by hand, as here, with PyJWT's encoding.
    header = {"alg": "HS256", "typ": "JWT", **headers}
    signing_input = b".".join(
        base64url_encode(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims))
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64url_encode(signature)).decode()


def mint(request):
    headers = {"kid": request["kid"]} if request.get("kid") is not None else {}
    alg = request["alg"]
    if alg == "HS256":
        return forge_hs256(request["key"], headers, request["claims"])
    if alg == "none":
        return jwt.encode(request["claims"], None, algorithm="none", headers=headers or None)
    return jwt.encode(request["claims"], request["key"], algorithm=alg, headers=headers or None)


print(json.dumps([mint(r) for r in json.load(sys.stdin)]))
