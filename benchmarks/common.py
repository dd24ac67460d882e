"""What the benchmarks share: private services on loopback, Django set up on a database of their
own, the ``name=value`` output, and peak memory of child processes.

Nothing here touches the project's own database or a system service: PostgreSQL and Redis are
private servers in a directory under /tmp, stopped when the benchmark ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Self

import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.services import RedisServer, free_port, wait_until  # noqa: E402

__all__ = ["ROOT", "RedisServer", "free_port", "wait_until"]

#: Environment every process of a benchmark runs with: production-like (no DEBUG query log, no
#: HTTPS redirect on loopback), logs quiet.
BASE_ENVIRONMENT = {
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-only-not-secret",
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "ERROR",
}


def emit(name: str, value: float | int | str) -> None:
    """One result line, ``name=value``: floats with 3 significant decimals, stable for grepping."""
    if isinstance(value, float):
        value = f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    print(f"{name}={value}", flush=True)


def progress(text: str) -> None:
    """Progress goes to stderr, so that stdout holds only the results."""
    print(f"# {text}", file=sys.stderr, flush=True)


def emit_machine() -> None:
    """The machine, and how busy it was when the run started (numbers taken on a busy machine
    are lower; the load shows it)."""
    emit("machine_cores", os.cpu_count() or 0)
    emit("machine_memory_gib", round(psutil.virtual_memory().total / 2**30, 1))
    emit("machine_load_1min", round(os.getloadavg()[0], 2))
    emit("python", sys.version.split()[0])


def configure_django(*, database_url: str, broker_url: str = "", settings: str = "config.settings") -> None:
    """Point Django (this process, and the children started with ``child_environment``) at the
    benchmark's own database and broker, then set it up."""
    os.environ.update(BASE_ENVIRONMENT)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    os.environ["DATABASE_URL"] = database_url
    if broker_url:
        os.environ["CELERY_BROKER_URL"] = broker_url
    import django

    django.setup()


def child_environment(**extra: str) -> dict[str, str]:
    return {**os.environ, **BASE_ENVIRONMENT, **extra}


@contextlib.contextmanager
def postgres(directory: Path) -> Iterator[str]:
    """A private PostgreSQL server (``scripts/postgres``, needs root and Debian's postgresql) with
    PostgreSQL's durable defaults (fsync, synchronous commit), as in production; yields its
    DATABASE_URL. Its server process id is in ``postgres_pid(directory)``."""
    if not list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")):
        sys.exit("PostgreSQL is not installed: apt-get install postgresql (the server is started privately)")
    shutil.rmtree(directory, ignore_errors=True)
    url = subprocess.run(
        [ROOT / "scripts" / "postgres", str(directory)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "POSTGRES_DURABLE": "1"},
    ).stdout.strip()
    try:
        yield url
    finally:
        subprocess.run([ROOT / "scripts" / "postgres", "stop", str(directory)], check=False)
        shutil.rmtree(directory, ignore_errors=True)


def restart_postgres(directory: Path) -> None:
    """Restart the server of ``postgres(directory)`` with a fast shutdown (every connection cut),
    as an upgrade or a failover would; returns once it accepts connections again."""
    pg_ctl = max(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda path: int(path.parts[-3]))
    command = ["runuser", "-u", "postgres", "--", str(pg_ctl), "-D", str(directory / "data")]
    command += ["-l", str(directory / "server.log"), "-m", "fast", "-w", "restart"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def postgres_pid(directory: Path) -> int:
    return int((directory / "data" / "postmaster.pid").read_text().split()[0])


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[RedisServer]:
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def child(
    command: list[str], *, env: dict[str, str], log: Path, cwd: Path = ROOT
) -> Iterator[subprocess.Popen]:
    """A child process in its own session, stopped (TERM, then KILL) with all its children."""
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        stop_tree(process.pid)
        process.wait(timeout=15)


def stop_tree(pid: int) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        parent = psutil.Process(pid)
        family = [*parent.children(recursive=True), parent]
        for process in family:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.terminate()
        _gone, alive = psutil.wait_procs(family, timeout=10)
        for process in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()


class Periodic:
    """``tick`` every ``interval`` seconds in a thread, while the ``with`` block runs."""

    def __init__(self, interval: float):
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()

    def tick(self) -> None:
        raise NotImplementedError


class PeakMemory(Periodic):
    """Samples the resident set size of some processes every ``interval`` seconds in a thread
    and keeps the highest value seen for each kind (``max`` over the processes of that kind)."""

    def __init__(self, kinds: dict[str, Callable[[], list[psutil.Process]]], interval: float = 0.25):
        super().__init__(interval)
        self.kinds = kinds
        self.peak_bytes = dict.fromkeys(kinds, 0)

    def tick(self) -> None:
        for kind, processes in self.kinds.items():
            for process in processes():
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    self.peak_bytes[kind] = max(self.peak_bytes[kind], process.memory_info().rss)

    def peak_mib(self, kind: str) -> float:
        return self.peak_bytes[kind] / 2**20


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """CPU time used so far by ``processes`` and by their children that have ended (a database
    connection closed during the run still counts); where the time of a run goes."""
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total


def with_children(pid: int) -> Callable[[], list[psutil.Process]]:
    """``pid`` and its current children (a PostgreSQL server, a Celery worker and its pool)."""

    def processes() -> list[psutil.Process]:
        try:
            parent = psutil.Process(pid)
            return [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    return processes


def children_of(pid: int) -> Callable[[], list[psutil.Process]]:
    """The current children of ``pid`` (gunicorn's workers, a Celery pool), looked up at each
    sample because workers may be replaced."""

    def processes() -> list[psutil.Process]:
        try:
            return psutil.Process(pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    return processes


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def create_volunteers(count: int, places: list[tuple], *, batch_size: int = 5000) -> list:
    """``count`` active volunteers spread over ``places`` ((village, health centre) pairs), in the
    three languages, each with the Kannel connection they write from (``bulk_create``)."""
    from rapidsms.models import Backend, Connection

    from maternal.models import Reporter

    reporters = Reporter.objects.bulk_create(
        (
            Reporter(
                phone=f"+25078{n:07d}",
                name=f"Volunteer {n}",
                national_id=f"1198570{n:09d}",
                village=places[n % len(places)][0],
                facility=places[n % len(places)][1],
                language=("rw", "en", "fr")[n % 3],
                status=Reporter.Status.ACTIVE,
            )
            for n in range(count)
        ),
        batch_size=batch_size,
    )
    kannel, _created = Backend.objects.get_or_create(name="kannel-backend")
    Connection.objects.bulk_create(
        (Connection(backend=kannel, identity=str(r.phone)) for r in reporters), batch_size=batch_size
    )
    return reporters


def unsaved_pregnancy(mother, volunteer, *, last_menstrual_period, registered_on):
    """An active pregnancy (G2 P1) of ``mother``, registered by ``volunteer`` in her village and
    health centre, not yet saved (for ``bulk_create``)."""
    from maternal.models import Pregnancy, expected_delivery_date

    return Pregnancy(
        mother=mother,
        reporter=volunteer,
        facility_id=volunteer.facility_id,
        village_id=volunteer.village_id,
        last_menstrual_period=last_menstrual_period,
        expected_delivery_date=expected_delivery_date(last_menstrual_period),
        gravidity=2,
        parity=1,
        registered_on=registered_on,
    )
