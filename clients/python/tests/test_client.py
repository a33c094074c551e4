"""SecretStore against botocore's Stubber (the real client's request and response shapes) and a
fake client (for what Stubber cannot raise): the payload, the answer, every error's mapping."""

from __future__ import annotations

import io
import json
import logging
import unittest
from datetime import datetime, timezone
from typing import Any, List, Tuple
from unittest import mock

from support import VALUE, FakeLambda, answer, failure, secret_json

import boto3
import secret_store
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, NoCredentialsError, ReadTimeoutError
from botocore.response import StreamingBody
from botocore.stub import Stubber
from secret_store import (
    AmbiguousSecretName,
    DecryptionFailed,
    InvocationFailed,
    Secret,
    SecretDoesNotExist,
    SecretExpired,
    SecretStore,
    SecretStoreError,
    ServiceUnavailable,
    TooManyRequests,
    TransportError,
    Unavailable,
    ValidationError,
)


_clients: List[Any] = []


def stubbed(cache_seconds: float = 0) -> Tuple[SecretStore, Stubber]:
    # One real client for all: making one loads Lambda's service model, which is slow.
    if not _clients:
        _clients.append(boto3.session.Session().client("lambda", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"))
    client = _clients[0]
    stubber = Stubber(client)
    store = SecretStore("secret-store-test-", client=client, cache_seconds=cache_seconds, sleep=lambda _: None)
    return store, stubber


def streamed(body: object) -> StreamingBody:
    raw = json.dumps(body).encode("utf-8")
    return StreamingBody(io.BytesIO(raw), len(raw))


def invoke_params(payload: dict) -> dict:
    return {"FunctionName": "secret-store-test-get", "Payload": json.dumps(payload).encode("utf-8")}


class ReadTest(unittest.TestCase):
    def test_invokes_the_get_function_with_the_profile_and_name_and_returns_the_value(self) -> None:
        store, stubber = stubbed()
        stubber.add_response("invoke", {"StatusCode": 200, "Payload": streamed(secret_json())}, invoke_params({"userProfileId": "alice", "name": "apiKey"}))
        with stubber:
            self.assertEqual(store.get_secret("apiKey", user_profile_id="alice"), VALUE)
        stubber.assert_no_pending_responses()

    def test_passes_account_and_owner_only_when_given(self) -> None:
        store, stubber = stubbed()
        shared = {"userProfileId": "alice", "name": "dbPassword", "accountId": "2718-2818-2845", "owner": "bob"}
        stubber.add_response("invoke", {"StatusCode": 200, "Payload": streamed(secret_json("dbPassword"))}, invoke_params(shared))
        stubber.add_response("invoke", {"StatusCode": 200, "Payload": streamed(secret_json("dbPassword"))}, invoke_params({"userProfileId": "alice", "name": "dbPassword", "accountId": "2718-2818-2845"}))
        with stubber:
            store.get("dbPassword", user_profile_id="alice", account_id="2718-2818-2845", owner="bob")
            store.get("dbPassword", user_profile_id="alice", account_id="2718-2818-2845")
        stubber.assert_no_pending_responses()

    def test_returns_the_metadata_typed_and_keeps_fields_it_does_not_know(self) -> None:
        fake = FakeLambda(answer(secret_json(expiresAt="2027-01-01T00:00:00.000Z", lastAccessed="2026-11-28T09:30:00.250Z", revision=3, visibility="account", owner="bob", laterField=[1])))
        secret = SecretStore("p-", client=fake, cache_seconds=0).get("apiKey", user_profile_id="alice")
        self.assertIsInstance(secret, Secret)
        self.assertEqual(secret.created_at, datetime(2026, 11, 27, 10, tzinfo=timezone.utc))
        self.assertEqual(secret.last_accessed, datetime(2026, 11, 28, 9, 30, 0, 250_000, tzinfo=timezone.utc))
        self.assertEqual(secret.expires_at, datetime(2027, 1, 1, tzinfo=timezone.utc))
        self.assertEqual((secret.revision, secret.tags, secret.annotations), (3, ("prod", "openai"), {"owner": "platform-team"}))
        self.assertEqual((secret.visibility, secret.owner), ("account", "bob"))
        self.assertEqual(secret.extra, {"laterField": [1]})
        metadata = secret.metadata()
        self.assertNotIn("value", metadata)
        self.assertEqual((metadata["name"], metadata["owner"], metadata["laterField"]), ("apiKey", "bob", [1]))
        self.assertEqual(list(metadata), ["id", "name", "description", "version", "annotations", "tags", "createdAt", "updatedAt", "lastAccessed", "expiresAt", "expired", "revision", "visibility", "owner", "laterField"])

    def test_reads_an_answer_from_a_store_without_account_sharing(self) -> None:
        older = secret_json()
        del older["visibility"], older["owner"]
        secret = SecretStore("p-", client=FakeLambda(answer(older))).get("apiKey", user_profile_id="alice")
        self.assertEqual((secret.visibility, secret.owner, secret.extra), ("private", None, {}))

    def test_refuses_an_answer_that_is_not_a_secret_without_echoing_it(self) -> None:
        cases = [
            answer({"value": VALUE}),
            answer([VALUE]),
            answer(secret_json(value=None)),
            answer(secret_json(createdAt="yesterday")),
            {"StatusCode": 200, "Payload": io.BytesIO(b'{"value": "' + VALUE.encode() + b'"')},
        ]
        for response in cases:
            with self.assertRaises(SecretStoreError) as caught:
                SecretStore("p-", client=FakeLambda(response), cache_seconds=0).get("apiKey", user_profile_id="alice")
            self.assertEqual(caught.exception.code, "InvalidResponse")
            self.assertNotIn(VALUE, str(caught.exception) + repr(caught.exception))
            self.assertIsNone(caught.exception.__cause__)

    def test_refuses_a_name_or_profile_that_is_not_a_string_before_invoking(self) -> None:
        fake = FakeLambda()
        store = SecretStore("p-", client=fake)
        with self.assertRaises(TypeError):
            store.get_secret("apiKey", user_profile_id=42)  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            store.get_secret(None, user_profile_id="alice")  # type: ignore[arg-type]
        self.assertEqual(fake.calls, [])


class FunctionErrorTest(unittest.TestCase):
    CODES = {
        "ValidationError": (ValidationError, 400),
        "SecretNotFound": (SecretDoesNotExist, 404),
        "AmbiguousSecretName": (AmbiguousSecretName, 409),
        "SecretExpired": (SecretExpired, 410),
        "DecryptionFailed": (DecryptionFailed, 500),
        "SecretDamaged": (secret_store.SecretDamaged, 500),
        "InternalError": (secret_store.InternalError, 500),
        "ServiceUnavailable": (ServiceUnavailable, 503),
    }

    def test_each_code_is_its_class_with_its_status_and_the_stores_message(self) -> None:
        for code, (cls, status) in self.CODES.items():
            with self.subTest(code=code):
                store, stubber = stubbed()
                # ServiceUnavailable is tried three times in all.
                for _ in range(3 if cls is ServiceUnavailable else 1):
                    stubber.add_response("invoke", {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": streamed({"errorType": code, "errorMessage": f"{code} happened."})})
                with stubber, self.assertRaises(cls) as caught:
                    store.get("apiKey", user_profile_id="alice")
                stubber.assert_no_pending_responses()
                error = caught.exception
                self.assertEqual((error.code, error.status, error.message), (code, status, f"{code} happened."))
                self.assertEqual(str(error), f"{code}: {code} happened.")
                self.assertIsInstance(error, SecretStoreError)
                self.assertEqual(error.retryable, cls is ServiceUnavailable)

    def test_reads_the_code_from_the_first_trace_line_when_the_type_is_plain_error(self) -> None:
        # serverless-offline (npm start) reports every errorType as "Error".
        offline = answer({"errorType": "Error", "errorMessage": "No secret named 'absent'.", "trace": ["SecretNotFound: No secret named 'absent'.", "    at ..."]}, "Unhandled")
        with self.assertRaises(SecretDoesNotExist) as caught:
            SecretStore("p-", client=FakeLambda(offline)).get("absent", user_profile_id="alice")
        self.assertEqual(caught.exception.message, "No secret named 'absent'.")

    def test_an_unknown_or_missing_code_is_the_base_class_named_as_it_came(self) -> None:
        cases = [
            ({"errorType": "Runtime.ExitError", "errorMessage": "exited"}, "Runtime.ExitError", "exited"),
            ({"errorType": "Error", "errorMessage": "boom", "trace": ["TypeError boom"]}, "UnknownError", "boom"),
            (None, "UnknownError", "The function failed."),
            ("a string", "UnknownError", "The function failed."),
        ]
        for payload, code, message in cases:
            with self.subTest(code=code, payload=payload):
                with self.assertRaises(SecretStoreError) as caught:
                    SecretStore("p-", client=FakeLambda(answer(payload, "Unhandled"))).get("apiKey", user_profile_id="alice")
                self.assertIs(type(caught.exception), SecretStoreError)
                self.assertEqual((caught.exception.code, caught.exception.message, caught.exception.status), (code, message, 0))

    def test_does_not_exist_is_reachable_as_django_names_it(self) -> None:
        self.assertIs(SecretStore.DoesNotExist, SecretDoesNotExist)
        self.assertIs(secret_store.DoesNotExist, SecretDoesNotExist)
        self.assertIs(secret_store.SecretNotFound, SecretDoesNotExist)
        store = SecretStore("p-", client=FakeLambda(failure("SecretNotFound")))
        try:
            store.get_secret("apiKey", user_profile_id="alice")
            self.fail("no error")
        except store.DoesNotExist as error:
            self.assertEqual((error.code, error.status), ("SecretNotFound", 404))


class InvocationErrorTest(unittest.TestCase):
    def test_lambda_throttling_is_too_many_requests_tried_three_times_in_all(self) -> None:
        store, stubber = stubbed()
        for _ in range(3):
            stubber.add_client_error("invoke", service_error_code="TooManyRequestsException", service_message="Rate exceeded", http_status_code=429)
        with stubber, self.assertRaises(TooManyRequests) as caught:
            store.get_secret("apiKey", user_profile_id="alice")
        stubber.assert_no_pending_responses()
        self.assertEqual((caught.exception.status, caught.exception.retryable), (429, True))
        self.assertIsInstance(caught.exception, Unavailable)

    def test_an_unavailable_store_is_tried_again_with_growing_bounded_waits_then_answers(self) -> None:
        waits: List[float] = []
        fake = FakeLambda(failure("ServiceUnavailable", "keys"), failure("ServiceUnavailable", "keys"), answer(secret_json()))
        store = SecretStore("p-", client=fake, sleep=waits.append, base_delay=0.1, max_delay=0.15)
        with mock.patch("random.random", return_value=1.0):
            self.assertEqual(store.get_secret("apiKey", user_profile_id="alice"), VALUE)
        self.assertEqual(len(fake.calls), 3)
        self.assertEqual(waits, [0.1, 0.15])

    def test_attempts_1_turns_retries_off(self) -> None:
        fake = FakeLambda(failure("ServiceUnavailable"))
        with self.assertRaises(ServiceUnavailable):
            SecretStore("p-", client=fake, attempts=1, sleep=lambda _: None).get("apiKey", user_profile_id="alice")
        self.assertEqual(len(fake.calls), 1)

    def test_answers_that_will_not_change_are_not_tried_again(self) -> None:
        for code in ("SecretNotFound", "SecretExpired", "ValidationError", "DecryptionFailed", "AmbiguousSecretName"):
            fake = FakeLambda(failure(code))
            with self.subTest(code=code), self.assertRaises(SecretStoreError):
                SecretStore("p-", client=fake, sleep=lambda _: None).get("apiKey", user_profile_id="alice")
            self.assertEqual(len(fake.calls), 1)

    def test_a_lambda_service_failure_is_a_transport_error(self) -> None:
        store, stubber = stubbed()
        for _ in range(3):
            stubber.add_client_error("invoke", service_error_code="ServiceException", http_status_code=500)
        with stubber, self.assertRaises(TransportError) as caught:
            store.get("apiKey", user_profile_id="alice")
        self.assertIn("secret-store-test-get", caught.exception.message)
        self.assertTrue(caught.exception.retryable)

    def test_a_refused_invocation_is_invocation_failed_with_awss_code_and_not_retried(self) -> None:
        for code, status in (("AccessDeniedException", 403), ("ResourceNotFoundException", 404)):
            with self.subTest(code=code):
                store, stubber = stubbed()
                stubber.add_client_error("invoke", service_error_code=code, service_message="not for you", http_status_code=status)
                with stubber, self.assertRaises(InvocationFailed) as caught:
                    store.get("apiKey", user_profile_id="alice")
                stubber.assert_no_pending_responses()
                self.assertEqual((caught.exception.code, caught.exception.status, caught.exception.retryable), (code, status, False))
                self.assertIn("not for you", caught.exception.message)

    def test_an_unreachable_function_or_a_lost_answer_is_a_transport_error(self) -> None:
        for error in (
            EndpointConnectionError(endpoint_url="http://localhost:3002"),
            ConnectTimeoutError(endpoint_url="http://localhost:3002"),
            ReadTimeoutError(endpoint_url="http://localhost:3002"),
        ):
            with self.subTest(error=type(error).__name__):
                fake = FakeLambda(repeat=error)
                with self.assertRaises(TransportError) as caught:
                    SecretStore("p-", client=fake, sleep=lambda _: None).get("apiKey", user_profile_id="alice")
                self.assertEqual(len(fake.calls), 3)
                self.assertIs(caught.exception.__cause__, error)

    def test_missing_credentials_are_not_dressed_up_as_a_store_error(self) -> None:
        with self.assertRaises(NoCredentialsError):
            SecretStore("p-", client=FakeLambda(NoCredentialsError())).get("apiKey", user_profile_id="alice")


class NoValueShownTest(unittest.TestCase):
    def test_repr_and_str_of_a_secret_leave_the_value_out(self) -> None:
        secret = SecretStore("p-", client=FakeLambda(answer(secret_json()))).get("apiKey", user_profile_id="alice")
        self.assertEqual(secret.value, VALUE)
        for text in (repr(secret), str(secret), f"{secret}", repr([secret]), repr(secret.metadata())):
            self.assertNotIn(VALUE, text)
        self.assertIn("apiKey", repr(secret))

    def test_errors_and_retry_logs_carry_no_value(self) -> None:
        # A value the caller has in hand (e.g. a cached one) never reaches an error or a log line.
        fake = FakeLambda(answer(secret_json()), failure("ServiceUnavailable", "The keys could not be loaded."), failure("SecretExpired", "Secret 'apiKey' expired."))
        store = SecretStore("p-", client=fake, sleep=lambda _: None)
        store.get_secret("apiKey", user_profile_id="alice")
        with self.assertLogs("secret_store", logging.DEBUG) as logs, self.assertRaises(SecretExpired) as caught:
            store.get_secret("apiKey", user_profile_id="alice", fresh=True)
        for text in (str(caught.exception), repr(caught.exception), *logs.output):
            self.assertNotIn(VALUE, text)
        self.assertIn("ServiceUnavailable", logs.output[0])


class ConfigurationTest(unittest.TestCase):
    def test_from_env_reads_the_prefix_region_endpoint_and_cache_seconds(self) -> None:
        env = {
            "SECRET_STORE_FUNCTION_PREFIX": "secret-store-dev-",
            "SECRET_STORE_REGION": "eu-west-1",
            "AWS_REGION": "us-east-1",
            "SECRET_STORE_LAMBDA_ENDPOINT": "http://localhost:3002",
            "SECRET_STORE_CACHE_SECONDS": "0",
        }
        store = SecretStore.from_env(env)
        self.assertEqual(store.function_prefix, "secret-store-dev-")
        self.assertEqual(store._client.meta.region_name, "eu-west-1")
        self.assertEqual(store._client.meta.endpoint_url, "http://localhost:3002")
        self.assertEqual(store._cache.ttl, 0)
        store = SecretStore.from_env({"SECRET_STORE_FUNCTION_PREFIX": "secret-store-prod-", "AWS_REGION": "us-east-2"})
        self.assertEqual((store._client.meta.region_name, store._cache.ttl), ("us-east-2", 300))
        self.assertEqual(store._client.meta.endpoint_url, "https://lambda.us-east-2.amazonaws.com")

    def test_from_env_without_a_prefix_says_what_to_set(self) -> None:
        with self.assertRaisesRegex(ValueError, "SECRET_STORE_FUNCTION_PREFIX"):
            SecretStore.from_env({})
        self.assertEqual(SecretStore.from_env({}, function_prefix="x-", client=FakeLambda()).function_prefix, "x-")

    def test_the_module_functions_share_one_store_from_the_environment(self) -> None:
        fake = FakeLambda(answer(secret_json()))
        store = SecretStore("secret-store-prod-", client=fake)
        with mock.patch.object(secret_store, "_default", None), mock.patch.object(SecretStore, "from_env", return_value=store) as made:
            self.assertEqual(secret_store.get_secret("apiKey", user_profile_id="alice"), VALUE)
            self.assertEqual(secret_store.get("apiKey", user_profile_id="alice").name, "apiKey")
            self.assertIs(secret_store.default_store(), store)
        self.assertEqual(made.call_count, 1)
        self.assertEqual([c["FunctionName"] for c in fake.calls], ["secret-store-prod-get"])

    def test_the_cache_settings_are_checked(self) -> None:
        with self.assertRaises(ValueError):
            SecretStore("p-", client=FakeLambda(), cache_seconds=-1)
        with self.assertRaises(ValueError):
            SecretStore("p-", client=FakeLambda(), max_entries=0)
        with self.assertRaises(ValueError):
            SecretStore("", client=FakeLambda())


if __name__ == "__main__":
    unittest.main()
