"""Read secrets from the secret store by invoking its get function (boto3, IAM-gated).

    from secret_store import get_secret, SecretDoesNotExist

    value = get_secret("openai_api_key", user_profile_id="2718-2818-2845/dana")

The module-level functions use one store configured from the environment (see
``SecretStore.from_env``), made on first use and shared by every thread.
"""

from __future__ import annotations

import threading
from typing import Optional

from .client import DEFAULT_CACHE_SECONDS, Secret, SecretStore, function_error
from .errors import (
    AmbiguousSecretName,
    DecryptionFailed,
    DoesNotExist,
    IdempotencyKeyReused,
    InternalError,
    InvocationFailed,
    PayloadTooLarge,
    PreconditionFailed,
    SecretAlreadyExists,
    SecretDamaged,
    SecretDoesNotExist,
    SecretExpired,
    SecretNotFound,
    SecretStoreError,
    ServiceUnavailable,
    TooManyRequests,
    TransportError,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
    ValidationError,
)

__version__ = "0.1.0"

_default: Optional[SecretStore] = None
_default_lock = threading.Lock()


def default_store() -> SecretStore:
    """The store configured from the environment, made once."""
    global _default
    with _default_lock:
        if _default is None:
            _default = SecretStore.from_env()
        return _default


def get(name: str, *, user_profile_id: str, account_id: Optional[str] = None, owner: Optional[str] = None, fresh: bool = False) -> Secret:
    """The secret with its metadata (the value is ``.value``, never in ``repr``), from the default store."""
    return default_store().get(name, user_profile_id=user_profile_id, account_id=account_id, owner=owner, fresh=fresh)


def get_secret(name: str, *, user_profile_id: str, account_id: Optional[str] = None, owner: Optional[str] = None, fresh: bool = False) -> str:
    """The plaintext value of a secret, from the default store."""
    return default_store().get_secret(name, user_profile_id=user_profile_id, account_id=account_id, owner=owner, fresh=fresh)


__all__ = [
    "AmbiguousSecretName",
    "DEFAULT_CACHE_SECONDS",
    "DecryptionFailed",
    "DoesNotExist",
    "IdempotencyKeyReused",
    "InternalError",
    "InvocationFailed",
    "PayloadTooLarge",
    "PreconditionFailed",
    "Secret",
    "SecretAlreadyExists",
    "SecretDamaged",
    "SecretDoesNotExist",
    "SecretExpired",
    "SecretNotFound",
    "SecretStore",
    "SecretStoreError",
    "ServiceUnavailable",
    "TooManyRequests",
    "TransportError",
    "Unauthorized",
    "Unavailable",
    "UnsupportedMediaType",
    "ValidationError",
    "default_store",
    "function_error",
    "get",
    "get_secret",
]
