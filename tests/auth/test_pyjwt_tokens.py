"""server/auth against tokens minted by PyJWT (an independent JWT
implementation): each accepted or refused with its own code, and key
rotation by rewriting the key file."""
import json
import os
import subprocess
import tempfile
import time
import unittest

from jwt_fixtures import KeyRing, tampered, unsigned_token, write_jwks

CHECK_BIN = os.environ.get("TROVE_AUTH_CHECK_BIN", "trove_auth_check")
# WatchedKeySet looks at the file at most once per second.
RELOAD_WAIT_S = 1.3


class Checker:
    def __init__(self, keys_file, *rules):
        self.proc = subprocess.Popen([CHECK_BIN, keys_file] + list(rules), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def check(self, token):
        self.proc.stdin.write(token + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


class PyJwtTokens(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="trove-auth-")
        self.keys_file = os.path.join(self.dir.name, "jwks.json")
        self.ring = KeyRing()
        write_jwks(self.keys_file, self.ring.jwks_keys())
        self.checkers = []

    def tearDown(self):
        for c in self.checkers:
            c.close()
        self.dir.cleanup()

    def checker(self, *rules):
        c = Checker(self.keys_file, *rules)
        self.checkers.append(c)
        return c

    def assert_result(self, checker, token, code, what):
        got = checker.check(token)
        self.assertEqual(got["result"], code, "%s: expected %s, got %s" % (what, code, got))

    def test_valid_hs256_rs256_es256_are_accepted(self):
        c = self.checker()
        for alg in ("HS256", "RS256", "ES256"):
            self.assert_result(c, self.ring.token(alg), "ok", alg)

    def test_each_bad_token_is_refused_with_its_own_code(self):
        c = self.checker()
        ring, now = self.ring, int(time.time())
        other = KeyRing()
        cases = [
            ("expired", ring.token("ES256", lifetime=-60), "expired"),
            ("expired within the leeway is still fine", ring.token("RS256", lifetime=-2), "ok"),
            ("not yet valid", ring.token("RS256", nbf=now + 60), "not_yet_valid"),
            ("issued in the future", ring.token("HS256", iat=now + 60), "issued_in_future"),
            ("no exp", ring.token("HS256", exp=None), "missing_exp"),
            ("alg none", unsigned_token(), "alg_not_allowed"),
            ("HS256 signed with the RSA public key", ring.hs256_with_rsa_public_key(),
             "alg_mismatch"),
            ("unknown kid", ring.token("RS256", kid="nobody"), "unknown_kid"),
            ("another key under a known kid", other.token("RS256", kid="rsa1"), "bad_signature"),
            ("tampered payload", tampered(ring.token("RS256")), "bad_signature"),
            ("tampered ES256 payload", tampered(ring.token("ES256")), "bad_signature"),
            ("no trove claim", ring.token("RS256", trove=None), "missing_scope"),
            ("empty hunt list", ring.token("RS256", hunts=()), "bad_scope"),
            ("not three parts", "abc.def", "malformed_token"),
            ("oversized", "a" * 9000, "token_too_large"),
        ]
        for what, token, code in cases:
            self.assert_result(c, token, code, what)

    def test_scope_lists_the_hunts(self):
        c = self.checker()
        got = c.check(self.ring.token("ES256", hunts=("spring", "autumn")))
        self.assertEqual((got["all"], got["hunts"]), (False, ["spring", "autumn"]))
        got = c.check(self.ring.token("HS256", hunts=("*",)))
        self.assertTrue(got["all"], got)

    def test_audience_and_issuer_when_configured(self):
        c = self.checker("trove-public", "https://issuer.example")
        good = {"aud": ["other", "trove-public"], "iss": "https://issuer.example"}
        self.assert_result(c, self.ring.token("RS256", **good), "ok", "aud in a list")
        self.assert_result(c, self.ring.token("RS256", aud="trove-public",
                                              iss="https://issuer.example"), "ok", "aud string")
        self.assert_result(c, self.ring.token("RS256", aud="someone-else",
                                              iss="https://issuer.example"),
                           "wrong_audience", "wrong audience")
        self.assert_result(c, self.ring.token("RS256", iss="https://issuer.example"),
                           "wrong_audience", "no audience")
        self.assert_result(c, self.ring.token("RS256", aud="trove-public", iss="https://evil"),
                           "wrong_issuer", "wrong issuer")

    def test_key_rotation_by_rewriting_the_file(self):
        c = self.checker()
        old_token = self.ring.token("RS256")
        self.assert_result(c, old_token, "ok", "before rotation")
        new_ring = KeyRing("2")
        write_jwks(self.keys_file, new_ring.jwks_keys())
        time.sleep(RELOAD_WAIT_S)
        got = c.check(new_ring.token("ES256"))
        self.assertEqual(got["result"], "ok", got)
        self.assertEqual(got["reloads"], 1, got)
        self.assert_result(c, old_token, "unknown_kid", "a key removed by rotation")

    def test_a_bad_new_key_file_keeps_the_old_keys(self):
        c = self.checker()
        self.assert_result(c, self.ring.token("HS256"), "ok", "before")
        with open(self.keys_file, "w") as f:
            f.write('{"keys": [{"kty": "oct", "alg": "none"}]}')
        time.sleep(RELOAD_WAIT_S)
        got = c.check(self.ring.token("HS256"))
        self.assertEqual((got["result"], got["reloadFailures"], got["reloads"]), ("ok", 1, 0), got)


if __name__ == "__main__":
    unittest.main()
