"""One machine of a multi-machine deployment (docs/deployment.md, "Several machines"): the web app
under gunicorn, an emergency worker, a routine worker and a beat, started as ``deploy/`` runs them.
Several nodes on one machine share the test database and one Redis, as several hosts share the
deployment's PostgreSQL and Redis."""

from __future__ import annotations

from pathlib import Path

from tests.kannel import WebApp
from tests.services import CeleryProcess, free_port


class Node:
    """``name``'s four processes, their logs in ``directory``. The concurrency defaults are those of
    ``deploy/systemd`` (gunicorn 2 × 4 threads, emergency worker 2, routine worker 4)."""

    def __init__(
        self,
        name: str,
        directory: Path,
        *,
        broker_url: str,
        env: dict[str, str],
        web_processes: int = 2,
        emergency_concurrency: int = 2,
        routine_concurrency: int = 4,
    ):
        self.name = name
        directory.mkdir(parents=True, exist_ok=True)
        self.web = WebApp(directory, port=free_port(), env=env, workers=web_processes)

        def worker(role: str, queues: str, concurrency: int) -> CeleryProcess:
            args = ["-Q", queues, "-n", f"{role}-{name}@%h", "--concurrency", str(concurrency)]
            args += ["--without-gossip", "--without-mingle"]
            log = directory / f"{role}.log"
            return CeleryProcess("worker", broker_url=broker_url, extra_env=env, args=args, log=log)

        self.emergency = worker("emergency", "emergency", emergency_concurrency)
        self.routine = worker("routine", "default,reminders", routine_concurrency)
        self.beat = CeleryProcess(
            "beat",
            broker_url=broker_url,
            extra_env=env,
            args=["--schedule", str(directory / "beat-schedule")],
            log=directory / "beat.log",
        )

    @property
    def url(self) -> str:
        return self.web.url

    @property
    def workers(self) -> list[CeleryProcess]:
        return [self.emergency, self.routine]

    def start(self) -> None:
        for worker in self.workers:
            worker.start()
        self.beat.start()
        self.web.start()  # waits until gunicorn answers

    def stop(self) -> None:
        """A clean stop (TERM: Celery's warm shutdown), beat first."""
        self.beat.stop()
        self.web.stop()
        for worker in self.workers:
            worker.stop()

    def kill(self) -> None:
        """SIGKILL every process of the node at once, as a machine lost would."""
        self.web.kill()
        for process in (*self.workers, self.beat):
            process.kill()
