"""The dispatcher: claims due outbound messages, delivers them and records the outcome.

One pass is :meth:`Dispatcher.tick`. A wake-up thread runs passes as soon as a message is queued (no polling delay
on the happy path); the scheduler also wakes it periodically and at retry times. A new message usually skips
even that: the pipeline reserves a free worker before storing it, stores it already claimed and hands it over
(:class:`~gateway.core.ports.DeliveryHandoff`). Deliveries run on a small thread
pool; every outcome is one repository transition. When no worker was free for new messages, the worker that ends
a job claims the next ones in its outcome's commit and delivers them, again without a pass.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial

from ..core.domain import ErrorInfo, MessageStatus, Receipt, ReceiptOutcome, VerifiedReceipt
from ..core.errors import NO_ANSWER_CODES, DeliveryFailed, GatewayError, MessageNotFound, ReceiptInvalid
from ..core.partners import PartnerProfile
from ..core.ports import (
    Clock,
    MessageRepository,
    OutboundClaim,
    PartnerTransport,
    StoredMessage,
    Transition,
    TransitionObserver,
    TrustBook,
)
from ..core.retry import next_attempt
from ..core.settings import Settings
from ..core.signals import Signals
from . import steps

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)


def _ignore(message: StoredMessage, status: MessageStatus, at: datetime) -> None:
    """The observer when nobody observes."""


class Dispatcher:
    """Delivers queued outbound messages to partners."""

    def __init__(
        self,
        *,
        settings: Settings,
        messages: MessageRepository,
        transport: PartnerTransport,
        trustbook: TrustBook,
        clock: Clock,
        signals: Signals,
        claimer: str,
        jitter: Callable[[], float] = random.random,
        observer: TransitionObserver | None = None,
    ) -> None:
        self._settings = settings
        self._messages = messages
        self._transport = transport
        self._trustbook = trustbook
        self._clock = clock
        self._signals = signals
        self._claimer = claimer
        self._jitter = jitter
        self._observe: TransitionObserver = observer or _ignore
        workers = settings.delivery.workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="swgw-deliver")
        # Claim no more than there are free workers, so that claimed messages do not wait in a queue while
        # their claim runs out.
        self._free = threading.Semaphore(workers)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Whether due messages may be waiting for a worker: set when a pass found every worker busy or filled every
        # free one, or when a new message found no free worker; cleared when a pass is about to look. A worker
        # that frees up wakes the dispatcher only then, instead of paying a claim transaction per delivery.
        self._backlog_possible = True
        # Messages one pass claims per free worker: a worker streams up to a window's worth to a partner that
        # agreed to streaming; otherwise one message each.
        self._per_worker = max((p.stream_window for p in settings.partners if p.streaming), default=1)
        # Partners whose messages may wait for a retry after getting no answer: all of them at start (an outage may
        # have begun before), then each one whose delivery got none. See _bring_forward.
        self._unanswered = {p.name for p in settings.partners}

    # The pipeline's DeliveryHandoff: a new message goes straight to a free worker, skipping the claim query.

    def reserve(self, now: datetime) -> OutboundClaim | None:
        """Reserve a free worker for a message about to be stored; None when none is free or we are stopping."""
        # A dispatcher that was never started delivers nothing, through this door either.
        if self._thread is None or self._stop.is_set():
            return None
        if not self._free.acquire(blocking=False):
            self._backlog_possible = True
            return None
        return OutboundClaim(self._claimer, now + timedelta(seconds=self._settings.delivery.claim_timeout_seconds))

    def deliver_claimed(self, message: StoredMessage) -> None:
        """Deliver a message stored under a reserved claim on the reserved worker."""
        self._submit(partial(self._deliver_and_release, message, 1), [message], 1)

    def _submit(self, job: Callable[[], None], messages: Sequence[StoredMessage], slots: int) -> None:
        """Start a delivery job (of ``messages``, holding ``slots`` reserved workers) on the pool."""
        try:
            self._pool.submit(job)
        except RuntimeError:
            # Shut down before the job could start: the claims expire and the messages are retried (by a replica or
            # after the restart), as for a worker that died mid-delivery.
            for _ in range(slots):
                self._free.release()
            log.warning("dispatcher stopped before %s could be delivered; its claim will expire",
                        ", ".join(m.message_id for m in messages))

    def release(self) -> None:
        """Give back a reserved worker."""
        self._free.release()

    def _start(self, claimed: list[StoredMessage], free: int) -> None:
        """Start the deliveries of ``claimed`` on the ``free`` reserved workers (the extras are given back).

        A partner whose agreement enables streaming gets its messages on streams of up to its window each; the
        others get one delivery per message. When a pass claimed more messages than there are free workers (only
        possible with a streaming partner, see ``_per_worker``), unary deliveries beyond them wait in the pool's
        queue for a worker, well within their claim.
        """
        jobs: list[list[StoredMessage]] = []
        streams: dict[str, list[StoredMessage]] = {}
        for message in claimed:
            profile = self._settings.partner(message.partner)
            # Large attachments travel on DeliverLarge, one message per call.
            if not profile.streaming or any(a.stored is not None for a in message.envelope.attachments):
                jobs.append([message])
                continue
            group = streams.setdefault(message.partner, [])
            group.append(message)
            if len(group) == profile.stream_window:
                jobs.append(group)
                streams[message.partner] = []
        jobs.extend(group for group in streams.values() if group)
        for _ in range(free - min(len(jobs), free)):
            self._free.release()  # reserved workers no job needs
        for index, job in enumerate(jobs):
            slots = 1 if index < free else 0
            if len(job) == 1 and (not self._settings.partner(job[0].partner).streaming
                                  or any(a.stored is not None for a in job[0].envelope.attachments)):
                self._submit(partial(self._deliver_and_release, job[0], slots), job, slots)
            else:
                self._submit(partial(self._deliver_stream_and_release, job, slots), job, slots)

    def wake(self) -> None:
        """Ask for a pass now (thread-safe, cheap)."""
        self._signals.outbound.fire()

    def tick(self) -> int:
        """Claim due messages and start their deliveries; return how many were claimed."""
        claimed_total = 0
        while not self._stop.is_set():
            free = 0
            while free < self._settings.delivery.batch_size and self._free.acquire(blocking=False):
                free += 1
            if free == 0:
                self._backlog_possible = True
                return claimed_total
            self._backlog_possible = False
            now = self._clock.now()
            claimed = self._messages.claim_due(
                now=now, limit=free * self._per_worker, claimer=self._claimer,
                claim_timeout=timedelta(seconds=self._settings.delivery.claim_timeout_seconds),
            )
            if claimed:
                self._signals.status.fire()
            self._start(claimed, free)
            claimed_total += len(claimed)
            if len(claimed) < free * self._per_worker:
                return claimed_total
            self._backlog_possible = True
        return claimed_total

    def deliver_now(self, message: StoredMessage, *, take_next: bool = False) -> list[StoredMessage]:
        """Deliver one claimed (SENDING) message in the calling thread and record the outcome. With ``take_next``
        (a worker that holds its slot), the same commit claims the due messages that may be waiting, for the
        caller to deliver (returned)."""
        profile = self._settings.partner(message.partner)
        try:
            answer: Receipt | DeliveryFailed = self._transport.deliver(profile, message.envelope)
        except DeliveryFailed as e:
            answer = e
        return self._record([(message, self._outcome(message, profile, answer))], take_next=take_next)

    def deliver_stream_now(self, messages: Sequence[StoredMessage], *, take_next: bool = False) -> list[StoredMessage]:
        """Deliver claimed (SENDING) messages to one partner on one stream and record their outcomes in one commit
        when it ends; those without an answer when the stream fails are recorded as that failure (and retried).
        ``take_next`` as for :meth:`deliver_now`."""
        profile = self._settings.partner(messages[0].partner)
        outcomes: list[tuple[StoredMessage, Transition]] = []
        # Until the commit the messages stay SENDING under our claim: a crash before it has them sent again after
        # the claim expires, and the partner answers with the receipts it stored.
        try:
            for answer in self._transport.deliver_stream(profile, [m.envelope for m in messages]):
                if len(outcomes) == len(messages):
                    break
                message = messages[len(outcomes)]
                outcomes.append((message, self._outcome(message, profile, answer)))
            if len(outcomes) < len(messages):
                raise DeliveryFailed(f"{profile.name} ended the stream after {len(outcomes)} of {len(messages)} "
                                     "answers", retryable=True, partner=profile.name)
        except DeliveryFailed as e:
            outcomes.extend((m, self._failed(m, e, retryable=e.retryable)) for m in messages[len(outcomes):])
        except BaseException:
            self._record(outcomes)  # the answers verified so far
            raise
        return self._record(outcomes, take_next=take_next)

    def _outcome(self, message: StoredMessage, profile: PartnerProfile, answer: Receipt | DeliveryFailed) -> Transition:
        """Verify the partner's answer to one message: the transition that records the outcome."""
        try:
            if isinstance(answer, DeliveryFailed):
                raise answer
            verified = steps.verify_receipt(
                answer, envelope=message.envelope,
                partner_trust=self._trustbook.for_partner(message.partner, at=self._clock.now()),
                now=self._clock.now(), profile=profile,
            )
        except (DeliveryFailed, ReceiptInvalid) as e:
            retryable = isinstance(e, ReceiptInvalid) or (isinstance(e, DeliveryFailed) and e.retryable)
            return self._failed(message, e, retryable=retryable, profile=profile)
        receipt = verified.receipt
        if receipt.outcome is ReceiptOutcome.ACCEPTED:
            return self._change(message, MessageStatus.DELIVERED, receipt=verified)
        error = receipt.errors[0] if receipt.errors else None
        return self._change(message, MessageStatus.REJECTED, receipt=verified, error=error)

    def _change(self, message: StoredMessage, status: MessageStatus, *, receipt: VerifiedReceipt | None = None,
                error: ErrorInfo | None = None, next_attempt_at: datetime | None = None) -> Transition:
        # Only from SENDING and under our claim: another replica that took an expired claim over keeps its outcome.
        # The claimed message goes along: the repository answers with it instead of reading its body back.
        return Transition(message.message_id, status, expected=MessageStatus.SENDING, next_attempt_at=next_attempt_at,
                          error=error, receipt=receipt, claimer=self._claimer, message=message)

    def _deliver_stream_and_release(self, messages: Sequence[StoredMessage], slots: int) -> None:
        claimed: list[StoredMessage] | None = None
        try:
            claimed = self.deliver_stream_now(messages, take_next=slots > 0)
        except Exception:  # noqa: BLE001 - as _deliver_and_release: the claims expire and are retried.
            log.exception("stream delivery to %s failed unexpectedly", messages[0].partner)
        finally:
            self._go_on(claimed, slots)

    def _deliver_and_release(self, message: StoredMessage, slots: int = 1) -> None:
        claimed: list[StoredMessage] | None = None
        try:
            claimed = self.deliver_now(message, take_next=slots > 0)
        except Exception:  # noqa: BLE001 - a worker must survive anything; the claim expires and is retried.
            log.exception("delivery of %s failed unexpectedly", message.message_id)
        finally:
            self._go_on(claimed, slots)

    def _go_on(self, claimed: list[StoredMessage] | None, slots: int) -> None:
        """After a job (``claimed`` is None when it failed): start what its worker claimed on its slots, or give
        the slots back."""
        if claimed:
            self._start(claimed, slots)
            return
        if claimed is None:
            self._backlog_possible = True  # it may have failed before it could look: let the dispatcher look
        for _ in range(slots):
            self._free.release()
        if self._backlog_possible:
            # A freed worker may take more work that is already due.
            self._signals.outbound.fire()

    def _failed(self, message: StoredMessage, error: GatewayError, *, retryable: bool,
                profile: PartnerProfile | None = None) -> Transition:
        profile = profile or self._settings.partner(message.partner)
        now = self._clock.now()
        at = next_attempt(profile.retry, message.attempts, message.created_at, now, self._jitter()) if retryable else None
        info = steps.error_info(error)
        if at is None:
            log.warning("message %s FAILED after %d attempts: %s", message.message_id, message.attempts, error)
            return self._change(message, MessageStatus.FAILED, error=info)
        log.info("message %s attempt %d failed (%s); next at %s", message.message_id, message.attempts,
                 error.code, at.isoformat())
        return self._change(message, MessageStatus.RETRY_WAIT, error=info, next_attempt_at=at)

    def _record(self, outcomes: Sequence[tuple[StoredMessage, Transition]], *,
                take_next: bool = False) -> list[StoredMessage]:
        """Commit the outcomes (one transaction for all), then tell the observer and the status streams.

        With ``take_next``, when due messages may be waiting, the same commit claims as many as one pass would for
        one free worker (returned). The worker then keeps its slot and delivers them, instead of waking the
        dispatcher thread to claim them in a transaction of its own: the busy gateway's usual case, where every
        worker was busy when the messages were submitted.
        """
        if not outcomes:
            return []
        at = self._clock.now()
        results: list[StoredMessage | GatewayError]
        claimed: list[StoredMessage] = []
        if take_next and self._backlog_possible and not self._stop.is_set():
            self._backlog_possible = False  # as in a pass: cleared before looking, set again by whoever finds more
            limit = self._per_worker
            found, claimed = self._messages.record_and_claim(
                [c for _, c in outcomes], at=at, limit=limit, claimer=self._claimer,
                claim_timeout=timedelta(seconds=self._settings.delivery.claim_timeout_seconds))
            if len(claimed) == limit:
                self._backlog_possible = True  # it took all it could: more may be due
            results = list(found)
        else:
            results = list(self._messages.transition_batch([c for _, c in outcomes], at=at))
            if len(results) == 1 and isinstance(results[0], MessageNotFound):
                raise results[0]  # as a single transition raised it: a message removed under its delivery
        recorded = False
        answered: set[str] = set()
        for (message, change), result in zip(outcomes, results, strict=True):
            if isinstance(result, GatewayError):
                # Our claim expired and another replica (or pass) took the message over; its outcome stands, even
                # while its delivery is still under way.
                log.warning("message %s was taken over before its outcome %s was recorded", message.message_id,
                            change.new_status)
                continue
            # ``message`` is the claimed one: SENDING since the claim, so the observer can time the attempt.
            self._observe(message, change.new_status, at)
            recorded = True
            if change.error is not None and change.error.code in NO_ANSWER_CODES:
                self._unanswered.add(message.partner)
            elif change.receipt is not None:
                answered.add(message.partner)
        if recorded or claimed:
            self._signals.status.fire()
        for partner in answered:
            # Two workers may both see the partner here; the second finds nothing left to bring forward.
            if partner in self._unanswered:
                self._bring_forward(partner, at)
        return claimed

    def _bring_forward(self, partner: str, at: datetime) -> None:
        """The partner answers again: its messages waiting for a retry after getting no answer are due now.

        After an outage each message would otherwise wait for its own next attempt, up to the retry policy's
        longest delay, while the partner is back; the backlog goes at once instead, as fast as the workers take
        it. Once per recovery: the partner leaves the set until a delivery gets no answer again.
        """
        self._unanswered.discard(partner)
        try:
            brought = self._messages.bring_forward(partner, at=at, error_codes=NO_ANSWER_CODES)
        except Exception:  # noqa: BLE001 - the messages still go at their own retry times
            log.exception("could not bring the retries of %s forward", partner)
            return
        if brought:
            log.info("%s answers again: %d messages waiting for a retry are due now", partner, brought)
            self._backlog_possible = True
            self._signals.outbound.fire()

    # The wake-up loop -------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the wake-up thread."""
        self._thread = threading.Thread(target=self._loop, name="swgw-dispatcher", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        # The pipeline fires the outbound pulse when it queues a message; the pulse's generation counter means a
        # wake-up that arrives during a pass is not lost.
        seen = -1
        while not self._stop.is_set():
            seen = self._signals.outbound.wait(seen, timeout=self._settings.delivery.tick_seconds)
            if self._stop.is_set():
                break
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - e.g. the database is briefly unreachable; try again next pass.
                log.exception("dispatcher pass failed")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming, and wait for deliveries under way."""
        self._stop.set()
        self._signals.outbound.fire()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=False)
