"""A Redis lock so that periodic sweeps never overlap, even with two beat processes. The lock
expires after one sweep interval, so a worker killed while holding it delays the next sweep by at
most that; correctness never depends on the lock (rows are claimed one by one)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from datetime import timedelta

import redis
from django.conf import settings


@functools.cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


@contextlib.contextmanager
def single_run(name: str, *, timeout: timedelta) -> Iterator[bool]:
    """Yields True to the one holder of the lock ``name``, False to everyone else."""
    lock = _client().lock(f"umubyeyi:lock:{name}", timeout=timeout.total_seconds(), blocking=False)
    acquired = lock.acquire()
    try:
        yield acquired
    finally:
        if acquired:
            with contextlib.suppress(redis.exceptions.LockError):
                lock.release()
