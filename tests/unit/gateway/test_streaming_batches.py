"""``gateway.pipeline.streaming.batches``: what a stream delivered, in order, in bounded batches, and a broken
request stream reported after what was read before it broke."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from gateway.pipeline.streaming import Broken, batches


def test_every_request_comes_once_in_order_in_bounded_batches() -> None:
    out = list(batches(iter(range(1000)), window=16, max_batch=7))
    assert all(isinstance(b, list) and 1 <= len(b) <= 7 for b in out)
    assert [i for b in out if isinstance(b, list) for i in b] == list(range(1000))


def test_what_has_arrived_is_a_batch_without_waiting_for_more() -> None:
    release = threading.Event()

    def slow() -> Iterator[int]:
        yield 1
        yield 2
        release.wait(10)  # the rest comes only after the first batch was taken
        yield 3

    stream = batches(slow(), window=8)
    first = next(stream)
    release.set()
    rest = list(stream)
    assert first in ([1, 2], [1])
    assert [i for b in [first, *rest] if isinstance(b, list) for i in b] == [1, 2, 3]


def test_a_broken_stream_ends_with_broken_after_what_was_read() -> None:
    def breaks() -> Iterator[int]:
        yield from range(5)
        raise ConnectionError("peer went away")

    out = list(batches(breaks(), window=2))
    assert [i for b in out if isinstance(b, list) for i in b] == list(range(5))
    assert isinstance(out[-1], Broken) and isinstance(out[-1].error, ConnectionError)


def test_the_reader_stops_reading_when_the_window_is_full() -> None:
    read: list[int] = []

    def counted() -> Iterator[int]:
        for i in range(100):
            read.append(i)
            yield i

    stream = batches(counted(), window=4, max_batch=1)
    assert next(stream) == [0]
    threading.Event().wait(0.2)
    # One taken, four waiting in the window, one more in the reader's hand: the rest is not read yet.
    assert len(read) <= 6
    assert [i for b in stream if isinstance(b, list) for i in b] == list(range(1, 100))
