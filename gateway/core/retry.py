"""Retry policy and the pure next-attempt calculation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

__all__ = ["RetryPolicy", "next_attempt"]


@dataclass(frozen=True)
class RetryPolicy:
    """How a partner's deliveries are retried (part of the exchange agreement)."""

    strategy: Literal["constant", "exponential"] = "exponential"
    """Constant delay, or a delay that doubles (times ``multiplier``) after each attempt."""
    initial_delay: timedelta = timedelta(seconds=1)
    """Delay before the second attempt."""
    multiplier: float = 2.0
    """Growth factor for the exponential strategy."""
    max_delay: timedelta = timedelta(minutes=10)
    """Upper bound of one delay."""
    jitter: float = 0.2
    """Fraction of the delay that is randomised (0 to 1), so that replicas and partners do not retry in step."""
    max_attempts: int = 10
    """Attempts after which the message is FAILED."""
    max_age: timedelta = timedelta(hours=24)
    """Age after which no further attempt is made."""

    def __post_init__(self) -> None:
        if self.strategy not in ("constant", "exponential"):
            raise ValueError(f"strategy must be 'constant' or 'exponential', not {self.strategy!r}")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be between 0 and 1")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.multiplier < 1.0:
            raise ValueError("multiplier must be at least 1")
        if self.initial_delay <= timedelta(0) or self.max_delay < self.initial_delay:
            raise ValueError("delays must be positive and max_delay >= initial_delay")


def next_attempt(
    policy: RetryPolicy, attempts: int, first_at: datetime, now: datetime, jitter_sample: float = 0.5
) -> datetime | None:
    """When to try again after ``attempts`` failed attempts, or ``None`` when the policy is exhausted.

    ``jitter_sample`` is a number in [0, 1) supplied by the caller (a random draw in production, fixed in tests),
    which keeps this function pure.
    """
    if attempts >= policy.max_attempts:
        return None
    if policy.strategy == "constant":
        delay = policy.initial_delay
    else:
        # Cap the exponent so that absurd attempt counts cost nothing; a large multiplier can still overflow the
        # float or timedelta (1e300 did, in the dispatcher), and any delay past max_delay is max_delay anyway.
        try:
            factor = policy.multiplier ** min(attempts - 1, 64)
            delay = min(policy.initial_delay * factor, policy.max_delay)
        except OverflowError:
            delay = policy.max_delay
    # Jitter spreads the delay over [delay * (1 - jitter), delay].
    delay = delay * (1.0 - policy.jitter * jitter_sample)
    at = now + delay
    if at - first_at > policy.max_age:
        return None
    return at
