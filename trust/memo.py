"""Values computed from a few long-lived objects, found again by the objects' identity.

The same certificate, policy and identity objects come back with every message (the gateway's own identity, the
trust store's certificates, the decoded ``x5c`` chains). Looking them up by ``id`` skips hashing their contents
(a certificate's DER, a policy's fields). Only what depends on nothing but those objects belongs here: never a
verdict that depends on time or trust state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["IdentityMemo"]

V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """At most ``size`` values, each keyed by the identity of the objects it was computed from.

    Each entry holds its objects, so their ids cannot be reused by other objects while it is there; reaching
    ``size`` empties the memo. Safe to share between threads: a race computes a value twice, never a wrong one.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[tuple[int, ...], tuple[tuple[object, ...], V]] = {}

    def get(self, objects: tuple[object, ...], compute: Callable[[], V]) -> V:
        """The value for ``objects``, computed by ``compute`` the first time they are seen together."""
        key = tuple(id(o) for o in objects)
        entry = self._entries.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], objects, strict=True)):
            return entry[1]
        value = compute()
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[key] = (objects, value)
        return value
