"""The store's names for Smarter's profiles and secrets, as `secret-store import smarter` writes
them (lib/migration/smarter-dump.ts), so that Smarter code reads what the import wrote.
Duck-typed on Smarter's models: nothing here imports Django."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# docs/API.md's name rule: camelCase, or snake_case as Smarter validates it.
_NAME = re.compile(r"(?:[a-z][a-zA-Z0-9]*|[a-z0-9]+(?:_[a-z0-9]+)*)")


def profile_id(user_profile: Any) -> str:
    """``<account number>/<username>``: the owner the import gives a Smarter UserProfile's secrets."""
    return f"{user_profile.account.account_number}/{user_profile.user.username}"


def account_id(user_profile: Any) -> str:
    """The account number, which also leads the profile id: the account its members share secrets in."""
    return str(user_profile.account.account_number)


def smarter_slug(name: str) -> str:
    """As Smarter slugs a manifest's name: accents dropped, lower case, words joined by one underscore."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not "\u0300" <= c <= "\u036f")
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def secret_name(name: str) -> str:
    """The name the import gives a Smarter secret: its own when the store accepts it, else its slug."""
    if len(name) <= 128 and _NAME.fullmatch(name):
        return name
    return smarter_slug(name)
