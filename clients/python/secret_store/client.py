"""Reading secrets by invoking the store's get function directly (Lambda Invoke: IAM is the gate).

The error mapping follows the TypeScript client (client/transport.ts, ``invokeFunction`` and
``lambdaError``): a function error is its contract code's class, Lambda's throttling is
TooManyRequests, an invocation that did not happen or whose answer was lost is TransportError.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from botocore.exceptions import ClientError, HTTPClientError, IncompleteReadError
from botocore.exceptions import ConnectionError as BotoConnectionError

from .cache import TTLCache
from .errors import (
    InvocationFailed,
    SecretDoesNotExist,
    SecretStoreError,
    TooManyRequests,
    TransportError,
    Unavailable,
    error_for,
)

logger = logging.getLogger("secret_store")
# A library adds no handler of its own: the application decides where warnings go.
logger.addHandler(logging.NullHandler())

DEFAULT_CACHE_SECONDS = 300.0
DEFAULT_ATTEMPTS = 3

# The contract's Secret fields (docs/API.md), in its order: JSON name -> attribute.
_FIELDS = {
    "id": "id",
    "name": "name",
    "description": "description",
    "version": "version",
    "annotations": "annotations",
    "tags": "tags",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "lastAccessed": "last_accessed",
    "expiresAt": "expires_at",
    "expired": "expired",
    "revision": "revision",
}
# Sent by stores with account-shared secrets; a store from before them sends neither.
_SHARING_FIELDS = {"visibility": "visibility", "owner": "owner"}


def _time(text: Any) -> Optional[datetime]:
    if text is None:
        return None
    # fromisoformat reads "Z" only from Python 3.11 on.
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


@dataclass(frozen=True)
class Secret:
    """A secret as the get function answers it. ``value`` is the plaintext: never in ``repr``."""

    id: str
    name: str
    description: str
    version: str
    annotations: Mapping[str, str]
    tags: Tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    last_accessed: Optional[datetime]
    expires_at: Optional[datetime]
    expired: bool
    revision: int
    value: str = field(repr=False)
    # "account": every member of the owner's account reads it.
    visibility: str = "private"
    # The owning profile (a member of the account may read another's shared secret).
    owner: Optional[str] = None
    # Fields this version does not know yet, as sent.
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, payload: Any) -> "Secret":
        if not isinstance(payload, dict) or not isinstance(payload.get("value"), str) or not all(k in payload for k in _FIELDS):
            # Never the payload itself in the message: it may hold the value.
            raise SecretStoreError("InvalidResponse", "The get function's answer is not a secret with its value.")
        try:
            return cls(
                id=str(payload["id"]),
                name=str(payload["name"]),
                description=str(payload["description"]),
                version=str(payload["version"]),
                annotations=dict(payload["annotations"]),
                tags=tuple(payload["tags"]),
                created_at=_time(payload["createdAt"]),  # type: ignore[arg-type]
                updated_at=_time(payload["updatedAt"]),  # type: ignore[arg-type]
                last_accessed=_time(payload["lastAccessed"]),
                expires_at=_time(payload["expiresAt"]),
                expired=bool(payload["expired"]),
                revision=int(payload["revision"]),
                value=payload["value"],
                visibility=str(payload.get("visibility") or "private"),
                owner=None if payload.get("owner") is None else str(payload["owner"]),
                extra={k: v for k, v in payload.items() if k not in _FIELDS and k not in _SHARING_FIELDS and k != "value"},
            )
        except (TypeError, ValueError):
            raise SecretStoreError("InvalidResponse", "The get function's answer is not a secret with its value.") from None

    def metadata(self) -> Dict[str, Any]:
        """Everything but the value, with the contract's JSON names (and any extra fields)."""
        return {
            **{key: getattr(self, attribute) for key, attribute in {**_FIELDS, **_SHARING_FIELDS}.items()},
            **self.extra,
        }


def function_error(payload: Any) -> SecretStoreError:
    """A function error's payload as its code's exception. serverless-offline reports every
    errorType as "Error" and puts the code at the head of the first trace line instead."""
    payload = payload if isinstance(payload, dict) else {}
    error_type = payload.get("errorType")
    trace = payload.get("trace")
    first = trace[0] if isinstance(trace, list) and trace and isinstance(trace[0], str) else ""
    from_trace = re.match(r"^(\w+): ", first)
    code = error_type if isinstance(error_type, str) and error_type and error_type != "Error" else (from_trace.group(1) if from_trace else None)
    message = payload.get("errorMessage")
    return error_for(code, message if isinstance(message, str) else "The function failed.")


def lambda_client(region: Optional[str] = None, endpoint_url: Optional[str] = None) -> Any:
    """A Lambda client of its own session (boto3's default session is not thread-safe)."""
    import boto3
    from botocore.config import Config

    # A read waits at most about the function's timeout (10 s in serverless.yml) and a cold start.
    config = Config(connect_timeout=5, read_timeout=15, retries={"mode": "standard", "max_attempts": 3})
    return boto3.session.Session().client("lambda", region_name=region, endpoint_url=endpoint_url, config=config)


class SecretStore:
    """Reads secrets from the store, with a TTL cache and typed errors.

    ``function_prefix`` is ``<service>-<stage>-`` (``secret-store-prod-``); reads invoke
    ``<function_prefix>get``. ``client`` is a boto3 Lambda client (one is made when omitted).
    ``cache_seconds`` 0 turns the cache off. ``attempts`` counts tries in all for the failures
    that may pass (Unavailable), with full-jitter back-off.
    """

    DoesNotExist = SecretDoesNotExist

    def __init__(
        self,
        function_prefix: str,
        *,
        client: Any = None,
        region: Optional[str] = None,
        endpoint_url: Optional[str] = None,
        cache_seconds: float = DEFAULT_CACHE_SECONDS,
        max_entries: int = 1000,
        attempts: int = DEFAULT_ATTEMPTS,
        base_delay: float = 0.1,
        max_delay: float = 2.0,
        clock: Optional[Callable[[], float]] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not function_prefix:
            raise ValueError("secret_store: function_prefix is required, e.g. 'secret-store-prod-'")
        self.function_prefix = function_prefix
        self._client = client if client is not None else lambda_client(region, endpoint_url)
        self._cache: TTLCache[Secret] = TTLCache(cache_seconds, max_entries, clock)
        self._attempts = max(1, attempts)
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None, **options: Any) -> "SecretStore":
        """Settings as the ``secret-store`` CLI reads them: SECRET_STORE_FUNCTION_PREFIX (required),
        SECRET_STORE_REGION or AWS_REGION, SECRET_STORE_LAMBDA_ENDPOINT (a local endpoint), and
        SECRET_STORE_CACHE_SECONDS (default 300). ``options`` override them."""
        env = os.environ if environ is None else environ
        prefix = env.get("SECRET_STORE_FUNCTION_PREFIX", "")
        if not prefix and "function_prefix" not in options:
            raise ValueError("secret_store: set SECRET_STORE_FUNCTION_PREFIX, e.g. 'secret-store-prod-'")
        settings: Dict[str, Any] = {
            "function_prefix": prefix,
            "region": env.get("SECRET_STORE_REGION") or env.get("AWS_REGION") or None,
            "endpoint_url": env.get("SECRET_STORE_LAMBDA_ENDPOINT") or None,
        }
        if env.get("SECRET_STORE_CACHE_SECONDS"):
            settings["cache_seconds"] = float(env["SECRET_STORE_CACHE_SECONDS"])
        settings.update(options)
        return cls(**settings)

    def get(
        self,
        name: str,
        *,
        user_profile_id: str,
        account_id: Optional[str] = None,
        owner: Optional[str] = None,
        fresh: bool = False,
    ) -> Secret:
        """The secret and its value, from the cache while fresh; ``fresh=True`` asks the store
        (for "this credential was just rejected"). Raises a SecretStoreError subclass."""
        key = _key(name, user_profile_id, account_id, owner)
        if fresh:
            self._cache.invalidate(key)
        else:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
        generation = self._cache.generation()
        payload: Dict[str, Any] = {"userProfileId": user_profile_id, "name": name}
        if account_id is not None:
            payload["accountId"] = account_id
        if owner is not None:
            payload["owner"] = owner
        secret = Secret.from_payload(self._with_retries(name, lambda: self._invoke(f"{self.function_prefix}get", payload)))
        if not secret.expired:
            self._cache.put(key, secret, generation, secret.expires_at.timestamp() if secret.expires_at else None)
        return secret

    def get_secret(
        self,
        name: str,
        *,
        user_profile_id: str,
        account_id: Optional[str] = None,
        owner: Optional[str] = None,
        fresh: bool = False,
    ) -> str:
        """The plaintext value of ``name`` (see ``get``)."""
        return self.get(name, user_profile_id=user_profile_id, account_id=account_id, owner=owner, fresh=fresh).value

    def invalidate(self, name: str, *, user_profile_id: str, account_id: Optional[str] = None, owner: Optional[str] = None) -> None:
        """Forgets the cached secret; a read of it already in flight is not cached either."""
        self._cache.invalidate(_key(name, user_profile_id, account_id, owner))

    def clear(self) -> None:
        """Forgets every cached secret."""
        self._cache.clear()

    def _with_retries(self, name: str, call: Callable[[], Any]) -> Any:
        for attempt in range(1, self._attempts + 1):
            try:
                return call()
            except Unavailable as error:
                if attempt >= self._attempts:
                    raise
                delay = min(self._max_delay, random.random() * self._base_delay * 2 ** (attempt - 1))
                logger.warning("secret_store: reading %r failed (%s); trying again in %.2f s", name, error.code, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")

    def _invoke(self, function_name: str, payload: Dict[str, Any]) -> Any:
        try:
            response = self._client.invoke(FunctionName=function_name, Payload=json.dumps(payload).encode("utf-8"))
            body = response.get("Payload")
            raw = body.read() if hasattr(body, "read") else (body or b"")
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            if re.search(r"TooManyRequests|Throttl", code):
                raise TooManyRequests(message="Lambda throttled the invocation.") from error
            if status >= 500 or status == 0:
                raise TransportError(message=f"The function {function_name} could not be invoked ({code or status}).") from error
            # No permission, no such function, a malformed request: trying again will not help.
            detail = str(error.response.get("Error", {}).get("Message", "")) or code
            raise InvocationFailed(code or "InvocationFailed", f"Lambda refused to invoke {function_name}: {detail}", status) from error
        except (BotoConnectionError, HTTPClientError, IncompleteReadError) as error:
            raise TransportError(message=f"The function {function_name} could not be reached or its answer was lost.") from error
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            raise SecretStoreError("InvalidResponse", f"The function {function_name} answered something that is not JSON.") from None
        if response.get("FunctionError"):
            raise function_error(answer)
        return answer


def _key(name: str, user_profile_id: str, account_id: Optional[str], owner: Optional[str]) -> Tuple[str, str, Optional[str], Optional[str]]:
    # Account and owner are part of the key: one name may mean two secrets in an account.
    if not isinstance(name, str) or not isinstance(user_profile_id, str):
        raise TypeError("secret_store: name and user_profile_id must be strings")
    return (name, user_profile_id, account_id, owner)
