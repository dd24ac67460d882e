"""Coordination through Redis, never correctness (rows are claimed one by one, the database is the
truth): a lock so that periodic sweeps never overlap, even with two beat processes, and the
outbox's wake-up flag, so that a worker drains the routine outbox without one task per message."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from datetime import timedelta

import redis
from django.conf import settings


@functools.cache
def _client() -> redis.Redis:
    # Short timeouts: a web request that wakes the outbox must not hang on an unreachable Redis.
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=5)


@contextlib.contextmanager
def single_run(name: str, *, timeout: timedelta) -> Iterator[bool]:
    """Yields True to the one holder of the lock ``name``, False to everyone else. The lock expires
    after ``timeout``, so a worker killed while holding it delays the next sweep by at most that."""
    lock = _client().lock(f"umubyeyi:lock:{name}", timeout=timeout.total_seconds(), blocking=False)
    acquired = lock.acquire()
    try:
        yield acquired
    finally:
        if acquired:
            with contextlib.suppress(redis.exceptions.LockError):
                lock.release()


OUTBOX_AWAKE = "umubyeyi:outbox:awake"


def wake_outbox() -> bool:
    """Raise the routine outbox's flag; True when it was down, and the caller must publish a drain
    task. While the flag is up a drain task is waiting or about to read the outbox, so committed
    messages need no task of their own. The flag falls by itself after a sweep interval, so a lost
    drain task delays the next wake-up by at most that (and the periodic sweep sends meanwhile)."""
    return bool(_client().set(OUTBOX_AWAKE, 1, nx=True, ex=int(settings.SWEEP_INTERVAL.total_seconds()) or 1))


def lower_outbox_flag() -> None:
    """Lower the flag: as a drain begins, before it reads what is due (a message committed after
    that read raises it again, and so publishes the next drain), and when publishing the drain
    task failed (the next message tries again)."""
    _client().delete(OUTBOX_AWAKE)
