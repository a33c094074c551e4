"""Against the store itself: `npm start`'s Lambda invoke endpoint, through boto3 as in production.

    SECRET_STORE_LAMBDA_ENDPOINT=http://localhost:3002 python3 -m unittest discover -s clients/python/tests

Skipped unless SECRET_STORE_LAMBDA_ENDPOINT names the endpoint (and boto3 is installed). It makes
its own profile and secrets; SECRET_STORE_FUNCTION_PREFIX defaults to `secret-store-dev-`, and
AWS credentials to dummy ones (the local endpoint does not check them).
"""

from __future__ import annotations

import json
import os
import unittest
import uuid
from typing import Any, Dict

import support  # noqa: F401  (the package from this tree)

try:
    import boto3  # noqa: F401
except ImportError:
    boto3 = None

ENDPOINT = os.environ.get("SECRET_STORE_LAMBDA_ENDPOINT", "")
PREFIX = os.environ.get("SECRET_STORE_FUNCTION_PREFIX", "secret-store-dev-")


@unittest.skipUnless(ENDPOINT, "SECRET_STORE_LAMBDA_ENDPOINT is unset: run `npm start` and set it to http://localhost:3002")
@unittest.skipIf(boto3 is None, "boto3 is not installed (pip install boto3)")
class AgainstTheInvokeEndpointTest(unittest.TestCase):
    lambda_: Any
    store: Any
    run_id: str
    profile: str
    value: str

    @classmethod
    def setUpClass(cls) -> None:
        from secret_store import SecretStore
        from secret_store.client import lambda_client

        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        region = os.environ.get("SECRET_STORE_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
        cls.lambda_ = lambda_client(region, ENDPOINT)
        # Configured as a deployment would be: from the environment.
        cls.store = SecretStore.from_env({**os.environ, "SECRET_STORE_FUNCTION_PREFIX": PREFIX, "SECRET_STORE_REGION": region})
        cls.run_id = run = uuid.uuid4().hex[:12]
        cls.profile = f"python-client-{run}"
        cls.value = f"python-client-value-{run}"
        cls.invoke("create", {"userProfileId": cls.profile, "name": "pythonKey", "value": cls.value, "tags": ["python"]})

    @classmethod
    def invoke(cls, operation: str, payload: Dict[str, Any]) -> Any:
        """A write, sent as the store's own tests send it (not through the module, which only reads)."""
        response = cls.lambda_.invoke(FunctionName=f"{PREFIX}{operation}", Payload=json.dumps(payload).encode())
        body = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            raise AssertionError(f"{operation} failed: {body.get('errorMessage') if isinstance(body, dict) else body}")
        return body

    def test_reads_the_value_and_metadata_of_a_secret_it_created_then_serves_it_from_the_cache(self) -> None:
        self.assertEqual(self.store.get_secret("pythonKey", user_profile_id=self.profile, fresh=True), self.value)
        secret = self.store.get("pythonKey", user_profile_id=self.profile)
        self.assertEqual((secret.name, secret.revision, secret.tags, secret.expired), ("pythonKey", 1, ("python",), False))
        self.assertEqual((secret.owner, secret.visibility), (self.profile, "private"))
        self.assertIsNotNone(secret.last_accessed)
        self.assertNotIn(self.value, repr(secret))
        self.assertIs(self.store.get("pythonKey", user_profile_id=self.profile), secret)

    def test_a_missing_name_raises_secret_does_not_exist(self) -> None:
        from secret_store import SecretDoesNotExist, SecretStore

        with self.assertRaises(SecretDoesNotExist) as caught:
            self.store.get_secret("absentKey", user_profile_id=self.profile)
        self.assertEqual((caught.exception.code, caught.exception.status), ("SecretNotFound", 404))
        # Another profile's secret does not exist for this one.
        with self.assertRaises(SecretStore.DoesNotExist):
            self.store.get_secret("pythonKey", user_profile_id=f"{self.profile}-other")

    def test_an_expired_secret_raises_secret_expired(self) -> None:
        from secret_store import SecretExpired

        self.invoke("create", {"userProfileId": self.profile, "name": "pythonExpiring", "value": self.value})
        self.assertEqual(self.store.get_secret("pythonExpiring", user_profile_id=self.profile), self.value)
        self.invoke("expire", {"userProfileId": self.profile, "name": "pythonExpiring"})
        with self.assertRaises(SecretExpired) as caught:
            self.store.get_secret("pythonExpiring", user_profile_id=self.profile, fresh=True)
        self.assertNotIn(self.value, str(caught.exception))

    def test_a_name_the_store_refuses_raises_validation_error(self) -> None:
        from secret_store import ValidationError

        with self.assertRaises(ValidationError):
            self.store.get_secret("Bad Name", user_profile_id=self.profile)

    def test_reads_a_secret_shared_with_the_callers_account_and_the_owner_named_when_two_share_the_name(self) -> None:
        from secret_store import AmbiguousSecretName, SecretDoesNotExist

        account = f"python-client-account-{self.run_id}"
        alice, bob, carol = (f"{self.profile}-{who}" for who in ("alice", "bob", "carol"))
        for owner in (alice, carol):
            self.invoke("create", {"userProfileId": owner, "accountId": account, "name": "pythonShared", "value": f"{self.value}-{owner}", "visibility": "account"})
        self.invoke("update", {"userProfileId": carol, "accountId": account, "name": "pythonShared", "visibility": "private"})
        secret = self.store.get("pythonShared", user_profile_id=bob, account_id=account)
        self.assertEqual((secret.value, secret.owner, secret.visibility), (f"{self.value}-{alice}", alice, "account"))
        # Without the account, bob reads only his own secrets.
        with self.assertRaises(SecretDoesNotExist):
            self.store.get("pythonShared", user_profile_id=bob)
        self.invoke("update", {"userProfileId": carol, "accountId": account, "name": "pythonShared", "visibility": "account"})
        with self.assertRaises(AmbiguousSecretName) as caught:
            self.store.get("pythonShared", user_profile_id=bob, account_id=account, fresh=True)
        self.assertIn(alice, caught.exception.message)
        self.assertIn(carol, caught.exception.message)
        self.assertEqual(self.store.get_secret("pythonShared", user_profile_id=bob, account_id=account, owner=carol), f"{self.value}-{carol}")

    def test_a_function_that_does_not_exist_raises_invocation_failed(self) -> None:
        from secret_store import InvocationFailed, SecretStore

        with self.assertRaises(InvocationFailed) as caught:
            SecretStore("secret-store-nowhere-", client=self.lambda_).get_secret("pythonKey", user_profile_id=self.profile)
        self.assertEqual(caught.exception.code, "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main()
