"""The high-volume path: documents that arrive together on a stream share one commit (group commit).

Submissions (domestic ``SubmitStream``) and envelopes (partner ``DeliverStream``) go through exactly the steps of
their unary calls -- :meth:`Pipeline.prepare_submission` and :meth:`Pipeline.assess_inbound` -- and only the commit
differs: every document of a batch is stored in one transaction (:meth:`MessageRepository.add_batch`), and each
answer is given only after that commit, so the durability promise is the unary one. A document that broke a
uniqueness rule within the batch (an idempotency key or message id raced in on another stream) falls back to the
unary path, which answers it as a repeated call is answered.

:func:`batches` groups what a stream delivered without waiting for more: a batch is whatever has arrived when the
previous commit ends, up to a bound, so a lone document is committed at once and a burst shares a commit.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar

from ..core.domain import Envelope, Receipt
from ..core.errors import DuplicateConflict, GatewayError, as_gateway_error
from ..core.ports import NewInbound, StoredMessage
from .results import PreparedOutbound, SubmitResult
from .runner import Pipeline
from .steps import SubmitCommand

__all__ = ["Broken", "GroupCommit", "batches"]

T = TypeVar("T")

#: Documents committed together at most; bounds a transaction's length and the answers held back by it.
MAX_BATCH = 64


@dataclass(frozen=True)
class Broken(Generic[T]):
    """The request stream failed while being read; ``error`` is what the reader raised."""

    error: BaseException


_END = object()


def batches(requests: Iterable[T], *, window: int, max_batch: int = MAX_BATCH) -> Iterator[list[T] | Broken[T]]:
    """Read ``requests`` on a thread into a queue of ``window`` places and yield them in batches: each batch is
    what has arrived by the time the consumer asks again, at least one request and at most ``max_batch``.

    The bounded queue is the receiver's flow control: when the consumer (the commit) falls behind, the reader
    stops reading and gRPC's own flow control holds the sender back. A failing request stream ends with a
    :class:`Broken` item after the requests read before the failure.
    """
    inbox: queue.Queue[object] = queue.Queue(maxsize=window)
    abandoned = threading.Event()

    def put(item: object) -> bool:
        # A consumer that stopped (its call ended) takes nothing more: give up instead of blocking for ever.
        while not abandoned.is_set():
            try:
                inbox.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for request in requests:
                if not put(request):
                    return
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, which answers the stream
            put(Broken(e))
        finally:
            put(_END)

    threading.Thread(target=read, name="swgw-stream-reader", daemon=True).start()
    try:
        while True:
            first = inbox.get()
            if first is _END:
                return
            if isinstance(first, Broken):
                yield first
                continue
            batch: list[T] = [first]  # type: ignore[list-item]
            ended = False
            while len(batch) < max_batch:
                try:
                    item = inbox.get_nowait()
                except queue.Empty:
                    break
                if item is _END:
                    ended = True
                    break
                if isinstance(item, Broken):
                    yield batch
                    yield item
                    batch = []
                    break
                batch.append(item)  # type: ignore[arg-type]
            if batch:
                yield batch
            if ended:
                return
    finally:
        abandoned.set()


class GroupCommit:
    """Submit and receive many documents per commit, through the pipeline's own steps."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    def submit(self, commands: list[SubmitCommand]) -> list[SubmitResult | GatewayError]:
        """Submit each command as :meth:`Pipeline.submit` would, storing the new messages in one commit; one
        result or error per command, in order. The stored messages are left QUEUED for the dispatcher."""
        pipeline = self._pipeline
        # The earlier messages of the batch's idempotency keys in one read per client, not one per document.
        known: dict[str | None, dict[str, StoredMessage]] = {}
        for client in {c.domestic_client for c in commands if c.idempotency_key}:
            known[client] = pipeline.messages.find_by_idempotency_keys(
                client, [c.idempotency_key for c in commands if c.idempotency_key and c.domestic_client == client])
        results: list[SubmitResult | GatewayError | PreparedOutbound] = []
        for command in commands:
            try:
                results.append(pipeline.prepare_submission(command, known=known.get(command.domestic_client, {})))
            except Exception as e:
                results.append(_gateway_error(e))
        new = [r for r in results if isinstance(r, PreparedOutbound)]
        stored = pipeline.messages.add_batch(new, at=pipeline.clock.now()) if new else []
        outcomes = iter(stored)
        answers: list[SubmitResult | GatewayError] = []
        queued: list[StoredMessage] = []
        for command, result in zip(commands, results, strict=True):
            if not isinstance(result, PreparedOutbound):
                answers.append(result)
                continue
            outcome = next(outcomes)
            if isinstance(outcome, DuplicateConflict):
                # The same key raced in on another stream or call: its first result is the answer.
                earlier = pipeline.submitted_earlier(command)
                answers.append(earlier if earlier is not None else outcome)
                continue
            queued.append(outcome)
            answers.append(SubmitResult(outcome, result.report))
        pipeline.queued(queued)
        return answers

    def receive(self, envelopes: list[Envelope], *, peer: str) -> list[Receipt | GatewayError]:
        """Receive each envelope as :meth:`Pipeline.receive` would, storing the new messages in one commit; one
        receipt or refusal per envelope, in order."""
        pipeline = self._pipeline
        assessed: list[Receipt | NewInbound | GatewayError | None] = []
        pending: set[str] = set()
        # The duplicate check of the whole batch in one read, not one per envelope.
        known = pipeline.messages.find_many([e.message_id for e in envelopes])
        for envelope in envelopes:
            if envelope.message_id in pending:
                # Sent twice in one batch: the second is answered after the first is committed (None: later).
                assessed.append(None)
                continue
            try:
                item = pipeline.assess_inbound(envelope, peer=peer, known=known)
            except Exception as e:
                assessed.append(_gateway_error(e))
                continue
            if isinstance(item, NewInbound):
                pending.add(envelope.message_id)
            assessed.append(item)
        new = [a for a in assessed if isinstance(a, NewInbound)]
        stored = iter(pipeline.messages.add_batch(new, at=pipeline.clock.now()) if new else [])
        answers: list[Receipt | GatewayError] = []
        for envelope, assessment in zip(envelopes, assessed, strict=True):
            if assessment is None:
                answers.append(_answer(partial(pipeline.receive, envelope, peer=peer)))
            elif not isinstance(assessment, NewInbound):
                answers.append(assessment)
            else:
                outcome = next(stored)
                if isinstance(outcome, DuplicateConflict):
                    answers.append(_answer(partial(pipeline.store_inbound, assessment, peer)))
                else:
                    pipeline.received(outcome)
                    answers.append(assessment.receipt)
        return answers


def _gateway_error(error: Exception) -> GatewayError:
    translated = as_gateway_error(error)
    if translated is None:
        raise error
    return translated


def _answer(call: Callable[[], Receipt]) -> Receipt | GatewayError:
    try:
        return call()
    except Exception as e:
        return _gateway_error(e)
