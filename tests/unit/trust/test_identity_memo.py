"""trust.memo.IdentityMemo: values found again by the identity of the objects they were computed from."""

from __future__ import annotations

from trust.memo import IdentityMemo


def test_the_same_objects_find_their_value_and_equal_ones_compute_their_own() -> None:
    memo: IdentityMemo[str] = IdentityMemo(8)
    calls: list[str] = []

    def compute(label: str) -> str:
        calls.append(label)
        return label

    a, b = [1, 2], [1, 2]  # equal, not the same object
    assert memo.get((a,), lambda: compute("a")) == "a"
    assert memo.get((a,), lambda: compute("again")) == "a"
    assert memo.get((b,), lambda: compute("b")) == "b"
    assert calls == ["a", "b"]


def test_a_value_of_none_is_kept_and_a_full_memo_starts_afresh() -> None:
    memo: IdentityMemo[None] = IdentityMemo(2)
    calls = 0

    def compute() -> None:
        nonlocal calls
        calls += 1

    keys = [object() for _ in range(3)]
    memo.get((keys[0],), compute)
    memo.get((keys[0],), compute)
    assert calls == 1
    memo.get((keys[1],), compute)
    memo.get((keys[2],), compute)  # the memo was full: emptied, then this one kept
    memo.get((keys[2],), compute)
    memo.get((keys[0],), compute)
    assert calls == 4
