"""The retry calculation and the message state machine (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.core.domain import Direction, MessageStatus, check_transition
from gateway.core.errors import InvalidTransition
from gateway.core.retry import RetryPolicy, next_attempt

T0 = datetime(2026, 1, 1, tzinfo=UTC)
S = MessageStatus


def test_exponential_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(initial_delay=timedelta(seconds=1), max_delay=timedelta(seconds=10), jitter=0.0,
                         max_attempts=20, max_age=timedelta(days=1))
    delays = [(next_attempt(policy, n, T0, T0) or T0) - T0 for n in range(1, 7)]
    assert [d.total_seconds() for d in delays] == [1, 2, 4, 8, 10, 10]


def test_huge_multiplier_is_capped_at_max_delay_instead_of_overflowing() -> None:
    # A configuration may say multiplier = 1e300; the delay overflowed timedelta at the first retry.
    policy = RetryPolicy(initial_delay=timedelta(seconds=1), max_delay=timedelta(seconds=600), multiplier=1e300,
                         jitter=0.0, max_attempts=100, max_age=timedelta(days=1))
    delays = [(next_attempt(policy, n, T0, T0) or T0) - T0 for n in (1, 2, 3, 65, 99)]
    assert [d.total_seconds() for d in delays] == [1, 600, 600, 600, 600]


def test_constant_backoff() -> None:
    policy = RetryPolicy(strategy="constant", initial_delay=timedelta(seconds=3), max_delay=timedelta(seconds=3),
                         jitter=0.0)
    assert next_attempt(policy, 5, T0, T0) == T0 + timedelta(seconds=3)


def test_jitter_shortens_the_delay_within_its_fraction() -> None:
    policy = RetryPolicy(initial_delay=timedelta(seconds=10), max_delay=timedelta(seconds=10), jitter=0.5)
    assert next_attempt(policy, 1, T0, T0, jitter_sample=0.0) == T0 + timedelta(seconds=10)
    assert next_attempt(policy, 1, T0, T0, jitter_sample=1.0) == T0 + timedelta(seconds=5)


def test_policy_is_exhausted_by_attempts_or_age() -> None:
    policy = RetryPolicy(max_attempts=3, max_age=timedelta(minutes=1), jitter=0.0)
    assert next_attempt(policy, 3, T0, T0) is None
    assert next_attempt(policy, 1, T0, T0 + timedelta(minutes=2)) is None


@pytest.mark.parametrize("kwargs", [{"jitter": 1.5}, {"max_attempts": 0}, {"multiplier": 0.5},
                                    {"strategy": "linear"}, {"initial_delay": timedelta(0)}])
def test_invalid_policies_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


OUTBOUND_OK = [(None, S.ACCEPTED), (S.ACCEPTED, S.QUEUED), (S.QUEUED, S.SENDING), (S.SENDING, S.DELIVERED),
               (S.SENDING, S.RETRY_WAIT), (S.RETRY_WAIT, S.SENDING), (S.SENDING, S.FAILED), (S.FAILED, S.QUEUED),
               (S.SENDING, S.REJECTED), (S.SENDING, S.SENDING)]
OUTBOUND_BAD = [(None, S.QUEUED), (S.QUEUED, S.DELIVERED), (S.DELIVERED, S.QUEUED), (S.REJECTED, S.QUEUED),
                (S.ACCEPTED, S.RECEIVED)]
INBOUND_OK = [(None, S.RECEIVED), (None, S.REJECTED), (S.RECEIVED, S.HANDED_OVER)]
INBOUND_BAD = [(S.HANDED_OVER, S.RECEIVED), (S.REJECTED, S.HANDED_OVER), (S.RECEIVED, S.DELIVERED)]


@pytest.mark.parametrize(("current", "new"), OUTBOUND_OK)
def test_outbound_transitions_allowed(current: S | None, new: S) -> None:
    check_transition(Direction.OUTBOUND, current, new)


@pytest.mark.parametrize(("current", "new"), OUTBOUND_BAD)
def test_outbound_transitions_refused(current: S | None, new: S) -> None:
    with pytest.raises(InvalidTransition):
        check_transition(Direction.OUTBOUND, current, new)


@pytest.mark.parametrize(("current", "new"), INBOUND_OK)
def test_inbound_transitions_allowed(current: S | None, new: S) -> None:
    check_transition(Direction.INBOUND, current, new)


@pytest.mark.parametrize(("current", "new"), INBOUND_BAD)
def test_inbound_transitions_refused(current: S | None, new: S) -> None:
    with pytest.raises(InvalidTransition):
        check_transition(Direction.INBOUND, current, new)
