"""secret_store.smarter: the names `secret-store import smarter` gives Smarter's rows (its own
cases from test/unit/smarter-dump.test.ts)."""

from __future__ import annotations

import unittest
from types import SimpleNamespace

import support  # noqa: F401

from secret_store.smarter import account_id, profile_id, secret_name, smarter_slug


class SmarterNamesTest(unittest.TestCase):
    def test_a_profile_is_its_account_number_and_username_and_its_account_the_number(self) -> None:
        user_profile = SimpleNamespace(account=SimpleNamespace(account_number="3141-5926-5359"), user=SimpleNamespace(username="alice@example.com"))
        self.assertEqual(profile_id(user_profile), "3141-5926-5359/alice@example.com")
        self.assertEqual(account_id(user_profile), "3141-5926-5359")

    def test_slugs_as_the_import_does(self) -> None:
        names = ["myApiKey", "API Key", "openai-api-key", "Café  crème!", "--x--"]
        self.assertEqual([smarter_slug(n) for n in names], ["myapikey", "api_key", "openai_api_key", "cafe_creme", "x"])

    def test_keeps_a_name_the_store_accepts_and_slugs_any_other(self) -> None:
        for name in ("openai_api_key", "apiKey", "2fa_seed", "a" * 128):
            self.assertEqual(secret_name(name), name)
        for name, slug in (("Secret 1", "secret_1"), ("openai-api-key", "openai_api_key"), ("api_key\n", "api_key"), ("API_KEY", "api_key"), ("a__b", "a_b")):
            self.assertEqual(secret_name(name), slug)


if __name__ == "__main__":
    unittest.main()
