"""Ordered parallel fetching with a bounded window: at most `window` requests in flight and at most
`window` finished pages waiting, so memory does not grow with the number of pages."""
from __future__ import annotations

import hashlib
import itertools
import json

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


def page_signature(items: list) -> str | None:
    """Identity of a page of records, cheap to keep: first record, last record, length."""
    if not items:
        return None
    blob = json.dumps([items[0], items[-1], len(items)], sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()


def checked_pages(fetch: Callable[[T], R], keys: Iterable[T], items_of: Callable[[R], list], window: int,
                  first: R | None = None, what: str = "page") -> Iterator[R]:
    """Pages in order, fetched `window` at a time, each compared with the one before it: servers under load
    sometimes answer page N with page N-1 again. Such a page is fetched once more; if it repeats again the
    run fails (landing it would duplicate rows and lose the real page)."""
    previous = page_signature(items_of(first)) if first is not None else None
    keys, submitted = itertools.tee(keys)  # keys may be endless (itertools.count): never materialised
    for key, page in zip(keys, ordered_map(fetch, submitted, window), strict=False):
        sig = page_signature(items_of(page))
        if sig is not None and sig == previous:
            page = fetch(key)
            sig = page_signature(items_of(page))
            if sig == previous:
                from extractors.errors import ExtractError
                raise ExtractError(f"{what} {key} repeats the previous page (server paging fault)")
        previous = sig
        yield page


