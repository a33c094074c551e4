"""The read cache: hits, the TTL and the secret's own expiry, what is never cached, invalidation
(including a read in flight meanwhile), the key, the size bound, and threads."""

from __future__ import annotations

import threading
import unittest

from support import VALUE, Clock, FakeLambda, answer, failure, secret_json

from secret_store import SecretDoesNotExist, SecretExpired, SecretStore, ServiceUnavailable
from secret_store.cache import TTLCache


def fresh_answer(value: str = VALUE, **fields: object):
    return lambda call: answer(secret_json(call["Payload"]["name"], value, **fields))


class CacheTest(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()

    def store(self, fake: FakeLambda, **options: object) -> SecretStore:
        settings: dict = {"client": fake, "clock": self.clock, "sleep": lambda _: None}
        settings.update(options)
        return SecretStore("p-", **settings)

    def test_a_second_read_within_the_ttl_is_served_from_the_cache(self) -> None:
        fake = FakeLambda(repeat=fresh_answer())
        store = self.store(fake, cache_seconds=300)
        first = store.get("apiKey", user_profile_id="alice")
        self.clock.now += 299.9
        self.assertIs(store.get("apiKey", user_profile_id="alice"), first)
        self.assertEqual(len(fake.calls), 1)

    def test_the_default_ttl_is_300_seconds(self) -> None:
        fake = FakeLambda(repeat=fresh_answer())
        store = self.store(fake)
        store.get("apiKey", user_profile_id="alice")
        self.clock.now += 299.9
        store.get("apiKey", user_profile_id="alice")
        self.assertEqual(len(fake.calls), 1)
        self.clock.now += 0.1
        store.get("apiKey", user_profile_id="alice")
        self.assertEqual(len(fake.calls), 2)

    def test_an_entry_is_read_again_once_the_ttl_has_passed(self) -> None:
        fake = FakeLambda(fresh_answer("old"), fresh_answer("new"))
        store = self.store(fake, cache_seconds=60)
        self.assertEqual(store.get_secret("apiKey", user_profile_id="alice"), "old")
        self.clock.now += 60
        self.assertEqual(store.get_secret("apiKey", user_profile_id="alice"), "new")
        self.assertEqual(len(fake.calls), 2)

    def test_an_entry_is_never_served_at_or_after_the_secrets_expiry(self) -> None:
        # The fake clock starts at 2027-01-15T08:00:00Z; the secret expires 10 s later.
        fake = FakeLambda(fresh_answer(expiresAt="2027-01-15T08:00:10.000Z"), failure("SecretExpired"))
        store = self.store(fake, cache_seconds=300)
        store.get("apiKey", user_profile_id="alice")
        self.clock.now += 9.9
        store.get("apiKey", user_profile_id="alice")
        self.assertEqual(len(fake.calls), 1)
        self.clock.now += 0.1
        with self.assertRaises(SecretExpired):
            store.get("apiKey", user_profile_id="alice")
        self.assertEqual(len(fake.calls), 2)

    def test_an_expired_secret_is_never_cached(self) -> None:
        fake = FakeLambda(repeat=fresh_answer(expired=True))
        store = self.store(fake)
        store.get("apiKey", user_profile_id="alice")
        store.get("apiKey", user_profile_id="alice")
        self.assertEqual(len(fake.calls), 2)

    def test_errors_are_never_cached(self) -> None:
        fake = FakeLambda(failure("SecretNotFound"), failure("ServiceUnavailable"), failure("ServiceUnavailable"), failure("ServiceUnavailable"), fresh_answer())
        store = self.store(fake)
        with self.assertRaises(SecretDoesNotExist):
            store.get("apiKey", user_profile_id="alice")
        with self.assertRaises(ServiceUnavailable):
            store.get("apiKey", user_profile_id="alice")
        self.assertEqual(store.get_secret("apiKey", user_profile_id="alice"), VALUE)
        self.assertEqual(len(fake.calls), 5)

    def test_ttl_0_turns_the_cache_off(self) -> None:
        fake = FakeLambda(repeat=fresh_answer())
        store = self.store(fake, cache_seconds=0)
        for _ in range(3):
            store.get("apiKey", user_profile_id="alice")
        self.assertEqual(len(fake.calls), 3)

    def test_invalidate_clear_and_fresh_ask_the_store_again(self) -> None:
        fake = FakeLambda(repeat=fresh_answer())
        store = self.store(fake)
        read = lambda name="apiKey": store.get(name, user_profile_id="alice")  # noqa: E731
        read()
        read("dbPassword")
        store.invalidate("apiKey", user_profile_id="alice")
        read()
        read("dbPassword")
        self.assertEqual(len(fake.calls), 3)
        store.clear()
        read()
        read("dbPassword")
        self.assertEqual(len(fake.calls), 5)
        store.get("apiKey", user_profile_id="alice", fresh=True)
        self.assertEqual(len(fake.calls), 6)
        read()
        self.assertEqual(len(fake.calls), 6)

    def test_a_read_in_flight_when_the_name_is_invalidated_is_not_cached(self) -> None:
        store: SecretStore

        def invalidated_meanwhile(call: dict) -> dict:
            store.invalidate("apiKey", user_profile_id="alice")
            return answer(secret_json(value="replaced-meanwhile"))

        fake = FakeLambda(invalidated_meanwhile, fresh_answer("current"))
        store = self.store(fake)
        self.assertEqual(store.get_secret("apiKey", user_profile_id="alice"), "replaced-meanwhile")
        self.assertEqual(store.get_secret("apiKey", user_profile_id="alice"), "current")
        self.assertEqual(len(fake.calls), 2)

    def test_profile_account_and_owner_are_each_part_of_the_key(self) -> None:
        fake = FakeLambda(repeat=lambda call: answer(secret_json(value=repr(sorted(call["Payload"].items())))))
        store = self.store(fake)
        readings = [
            dict(user_profile_id="alice"),
            dict(user_profile_id="bob"),
            dict(user_profile_id="alice", account_id="1"),
            dict(user_profile_id="alice", account_id="1", owner="bob"),
            dict(user_profile_id="alice", account_id="1", owner="carol"),
        ]
        values = [store.get_secret("apiKey", **r) for r in readings]  # type: ignore[arg-type]
        self.assertEqual(len(set(values)), 5)
        self.assertEqual([store.get_secret("apiKey", **r) for r in readings], values)  # type: ignore[arg-type]
        self.assertEqual(len(fake.calls), 5)
        store.invalidate("apiKey", user_profile_id="alice", account_id="1", owner="bob")
        store.get_secret("apiKey", user_profile_id="alice", account_id="1", owner="carol")
        store.get_secret("apiKey", user_profile_id="alice", account_id="1", owner="bob")
        self.assertEqual(len(fake.calls), 6)

    def test_at_most_max_entries_the_least_recently_used_dropped_first(self) -> None:
        fake = FakeLambda(repeat=fresh_answer())
        store = self.store(fake, max_entries=2)
        read = lambda name: store.get(name, user_profile_id="alice")  # noqa: E731
        read("a")
        read("b")
        read("a")  # a is now the most recently used
        read("c")  # drops b
        self.assertEqual(len(fake.calls), 3)
        read("a")
        read("c")
        self.assertEqual(len(fake.calls), 3)
        read("b")
        self.assertEqual(len(fake.calls), 4)

    def test_threads_share_the_cache_safely(self) -> None:
        lock = threading.Lock()
        fake = FakeLambda(repeat=fresh_answer())
        original = fake.invoke

        def invoke(**kwargs: object) -> dict:
            with lock:
                return original(**kwargs)  # type: ignore[arg-type]

        fake.invoke = invoke  # type: ignore[method-assign,assignment]
        store = SecretStore("p-", client=fake, max_entries=5)
        errors: list = []

        def work(n: int) -> None:
            try:
                for i in range(200):
                    name = f"name{(n + i) % 8}"
                    secret = store.get(name, user_profile_id="alice")
                    assert secret.name == name, (secret.name, name)
                    if i % 17 == 0:
                        store.invalidate(name, user_profile_id="alice")
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertLessEqual(len(store._cache), 5)


class TTLCacheTest(unittest.TestCase):
    def test_refuses_a_negative_ttl_or_no_room(self) -> None:
        for ttl, size in ((-1, 10), (float("nan"), 10), (1, 0)):
            with self.subTest(ttl=ttl, size=size), self.assertRaises(ValueError):
                TTLCache(ttl, size)

    def test_an_expiry_already_past_stores_nothing(self) -> None:
        clock = Clock()
        cache: TTLCache[str] = TTLCache(60, clock=clock)
        cache.put("k", "v", cache.generation(), expires_at=clock.now)
        self.assertIsNone(cache.get("k"))
        self.assertEqual(len(cache), 0)


if __name__ == "__main__":
    unittest.main()
