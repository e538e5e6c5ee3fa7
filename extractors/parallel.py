"""Ordered parallel fetching with a bounded window: at most `window` requests in flight and at most
`window` finished pages waiting, so memory does not grow with the number of pages."""
from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(fn: Callable[[T], R], items: Iterable[T], window: int) -> Iterator[R]:
    """Like `map`, in order, `window` at a time. Closing the generator early cancels what is queued."""
    window = max(1, window)
    pending: deque = deque()
    iterator = iter(items)
    with ThreadPoolExecutor(max_workers=window) as pool:
        try:
            for item in iterator:
                pending.append(pool.submit(fn, item))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
