"""One exception class per contract code (docs/API.md, "Errors"), as the TypeScript client has.

Callers catch what they mean: ``except SecretDoesNotExist`` (also reachable as
``SecretStore.DoesNotExist``, in the style of Django's ``Secret.DoesNotExist``), or
``except Unavailable`` for the failures worth trying again later. No message ever holds a value:
the store's own messages never do, and ours name only the secret, the function and the code.
"""

from __future__ import annotations

from typing import Dict, Optional, Type


class SecretStoreError(Exception):
    """Any failure to read a secret: ``code`` (the contract's), ``message``, ``status`` (HTTP-like, 0 if none)."""

    code: str = "UnknownError"
    status: int = 0
    retryable: bool = False

    def __init__(self, code: Optional[str] = None, message: str = "", status: Optional[int] = None) -> None:
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.message = message
        super().__init__(f"{self.code}: {message}" if message else self.code)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, status={self.status!r})"


class Unavailable(SecretStoreError):
    """The store could not answer now (503, throttled, unreachable): the same read may succeed later."""

    retryable = True


class ValidationError(SecretStoreError):
    """The request was refused: a name or profile id the store does not accept."""

    code = "ValidationError"
    status = 400


class Unauthorized(SecretStoreError):
    """HTTP only: the token names no usable profile."""

    code = "Unauthorized"
    status = 401


class SecretAlreadyExists(SecretStoreError):
    """The profile already has a secret of that name."""

    code = "SecretAlreadyExists"
    status = 409


class AmbiguousSecretName(SecretStoreError):
    """Two owners share the name in the account: name the ``owner``."""

    code = "AmbiguousSecretName"
    status = 409


class SecretExpired(SecretStoreError):
    """The secret's ``expiresAt`` has passed: it can no longer be read."""

    code = "SecretExpired"
    status = 410


class PreconditionFailed(SecretStoreError):
    """A write's ``ifMatch`` named a revision the secret is no longer at."""

    code = "PreconditionFailed"
    status = 412


class PayloadTooLarge(SecretStoreError):
    """The request was too large."""

    code = "PayloadTooLarge"
    status = 413


class UnsupportedMediaType(SecretStoreError):
    """HTTP only: the body was not JSON."""

    code = "UnsupportedMediaType"
    status = 415


class IdempotencyKeyReused(SecretStoreError):
    """A write's idempotency key was used for another request."""

    code = "IdempotencyKeyReused"
    status = 422


class DecryptionFailed(SecretStoreError):
    """The stored value cannot be opened with any configured key."""

    code = "DecryptionFailed"
    status = 500


class SecretDamaged(SecretStoreError):
    """The stored secret was changed outside the store."""

    code = "SecretDamaged"
    status = 500


class InternalError(SecretStoreError):
    """The store failed in a way it does not explain."""

    code = "InternalError"
    status = 500


class ServiceUnavailable(Unavailable):
    """The store's database or keys could not be reached."""

    code = "ServiceUnavailable"
    status = 503


class TooManyRequests(Unavailable):
    """Lambda throttled the invocation (not one of the store's codes)."""

    code = "TooManyRequests"
    status = 429


class TransportError(Unavailable):
    """The function could not be reached, or its answer was lost."""

    code = "TransportError"
    status = 0


class SecretDoesNotExist(SecretStoreError):
    """SecretNotFound (404): no secret of that name for the profile (or the caller may not see it)."""

    code = "SecretNotFound"
    status = 404


DoesNotExist = SecretDoesNotExist
SecretNotFound = SecretDoesNotExist


class InvocationFailed(SecretStoreError):
    """Lambda refused the invocation itself (no permission, no such function): ``code`` is AWS's, e.g.
    ``AccessDeniedException``. Not retried: it is a deployment problem, not a passing one."""


_BY_CODE: Dict[str, Type[SecretStoreError]] = {
    cls.code: cls
    for cls in (
        ValidationError,
        Unauthorized,
        SecretDoesNotExist,
        SecretAlreadyExists,
        AmbiguousSecretName,
        SecretExpired,
        PreconditionFailed,
        PayloadTooLarge,
        UnsupportedMediaType,
        IdempotencyKeyReused,
        TooManyRequests,
        DecryptionFailed,
        SecretDamaged,
        InternalError,
        ServiceUnavailable,
        TransportError,
    )
}


def error_for(code: Optional[str], message: str) -> SecretStoreError:
    """The exception for a contract code; an unknown code keeps its name on the base class."""
    cls = _BY_CODE.get(code or "")
    if cls is not None:
        return cls(message=message)
    return SecretStoreError(code or "UnknownError", message, 0)
