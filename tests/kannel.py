"""Kannel for the end-to-end tests: a bearerbox and an smsbox configured from
``deploy/kannel/test-kannel.conf.template`` on free loopback ports, Kannel's ``fakesmsc`` test
client playing the phones, and the web app under gunicorn as it is deployed.

``fakesmsc`` (Debian's ``kannel-extras``) connects to bearerbox's fake SMSC port. Run without
message arguments it is interactive: every line written to its standard input is one SMS
``SENDER RECEIVER text WORDS...`` and every SMS that bearerbox delivers to it is logged as
``Got message N: <SENDER RECEIVER text WORDS...>`` (``data`` with URL-encoded text when the text is
not plain ASCII, ``udh`` with the header first for each part of a concatenated SMS).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import unquote_to_bytes

import requests

from tests.services import ROOT, free_port, shared_database_url, wait_until

CONFIG_TEMPLATE = ROOT / "deploy" / "kannel" / "test-kannel.conf.template"
# fakesmsc is a test tool: kannel-extras installs it outside PATH.
KANNEL_PATH = os.pathsep.join(["/usr/sbin", "/usr/lib/kannel/test", "/usr/bin"])
KANNEL_PROGRAMS = ("bearerbox", "smsbox", "fakesmsc")
START_TIMEOUT = 20.0
T = TypeVar("T")


def find_kannel_program(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path=KANNEL_PATH)


def missing_kannel_programs() -> list[str]:
    return [name for name in KANNEL_PROGRAMS if find_kannel_program(name) is None]


def kannel_command(name: str, *arguments: str) -> list[str]:
    return [find_kannel_program(name) or name, *arguments]


class Service(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


@contextmanager
def running(*processes: Service) -> Iterator[None]:
    """Start the processes in order; stop every one of them, last first, however the test ends."""
    try:
        for process in processes:
            process.start()
        yield
    finally:
        for process in reversed(processes):
            process.stop()


class ChildProcess:
    """A program started by a test, its output in a log file beside the other processes' logs.
    It runs in a session of its own so that ``stop`` ends it with any children it forked."""

    def __init__(self, name: str, command: Sequence[str], *, log: Path, env: dict[str, str] | None = None):
        self.name = name
        self.command = list(command)
        self.log = log
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self, *, stdin: int | None = subprocess.DEVNULL) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdin=stdin,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_bytes().decode("utf-8", "replace") if self.log.exists() else ""

    def assert_running(self) -> None:
        """Fail at once, with the end of the log, instead of waiting out a deadline."""
        if self.process is None or self.process.poll() is not None:
            code = self.process.returncode if self.process else None
            tail = "\n".join(self.output().splitlines()[-30:])
            raise AssertionError(f"{self.name} is not running (exit code {code}); {self.log}:\n{tail}")

    def wait_until(self, condition: Callable[[], T], timeout: float = START_TIMEOUT) -> T:
        def check() -> T:
            self.assert_running()
            return condition()

        return wait_until(check, timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the program and its children, as a crash or a machine lost would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.process is not None and self.process.stdin:
            self.process.stdin.close()
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.process.stdin:
            self.process.stdin.close()
        self.process = None


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def deployed_environment(*, broker_url: str, gateway_secret: str, **extra: str) -> dict[str, str]:
    """The variables the app runs with in production (docs/deployment.md), on loopback: the tests'
    database and Redis, DEBUG off, plain HTTP (Kannel calls the app over loopback)."""
    return {
        "DATABASE_URL": shared_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SMS_GATEWAY_SECRET": gateway_secret,
        **extra,
    }


class WebApp(ChildProcess):
    """The Django app under gunicorn, started the way deploy/systemd/umubyeyi-web.service does."""

    def __init__(
        self, directory: Path, *, port: int, env: dict[str, str], workers: int = 2, threads: int = 4
    ):
        self.port = port
        super().__init__(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--timeout",
                "30",
                "--access-logfile",
                "-",
            ],
            log=directory / "gunicorn.log",
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, stdin: int | None = subprocess.DEVNULL) -> None:
        super().start(stdin=stdin)
        self.wait_until(self._answers)

    def _answers(self) -> bool:
        try:
            requests.get(f"{self.url}/gateway/kannel/", timeout=2)
        except (requests.ConnectionError, requests.Timeout):  # still starting (a busy machine)
            return False
        return True


class Kannel:
    """bearerbox and smsbox, configured from the test template: the fake SMSC listens on
    ``fake_smsc_port``, sendsms on ``sendsms_url`` and every received SMS goes to ``web_url``'s
    ``/gateway/kannel/`` with ``secret``."""

    smsc_id = "fake"
    username = "umubyeyi"
    short_code = "1234"
    unavailable_reply = "Umubyeyi did not receive your SMS. Send it again later. Emergency: call 912."

    def __init__(self, directory: Path, *, web_url: str, secret: str):
        self.directory = directory
        self.web_url = web_url
        self.secret = secret
        self.password = secrets.token_urlsafe(12)
        self.admin_password = secrets.token_urlsafe(12)
        self.admin_port, self.smsbox_port, self.fake_smsc_port, self.sendsms_port = (
            free_port() for _ in range(4)
        )
        self.config = directory / "kannel.conf"
        # Console output (-v 1: no debug) beside the full logs that the configuration asks for.
        self.bearerbox = ChildProcess(
            "bearerbox",
            kannel_command("bearerbox", "-v", "1", str(self.config)),
            log=directory / "bearerbox.out",
        )
        self.smsbox = ChildProcess(
            "smsbox", kannel_command("smsbox", "-v", "1", str(self.config)), log=directory / "smsbox.out"
        )

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def backend_environment(self) -> dict[str, str]:
        """The settings of the app's ``kannel-backend`` that match this Kannel."""
        return {
            "KANNEL_SENDSMS_URL": self.sendsms_url,
            "KANNEL_USERNAME": self.username,
            "KANNEL_PASSWORD": self.password,
            "KANNEL_SMSC": self.smsc_id,
            "KANNEL_FROM": self.short_code,
        }

    def write_config(self) -> None:
        template = string.Template(CONFIG_TEMPLATE.read_text())
        self.config.write_text(
            template.substitute(
                DIRECTORY=self.directory,
                ADMIN_PORT=self.admin_port,
                ADMIN_PASSWORD=self.admin_password,
                SMSBOX_PORT=self.smsbox_port,
                SMSC_ID=self.smsc_id,
                FAKE_SMSC_PORT=self.fake_smsc_port,
                SENDSMS_PORT=self.sendsms_port,
                SENDSMS_USERNAME=self.username,
                SENDSMS_PASSWORD=self.password,
                UNAVAILABLE_REPLY=self.unavailable_reply,
                WEB_URL=self.web_url,
                SECRET=self.secret,
            )
        )

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.write_config()
        self.bearerbox.start()
        self.bearerbox.wait_until(self.status)
        self.smsbox.start()
        self.smsbox.wait_until(lambda: "smsbox:" in self.status() and port_open(self.sendsms_port))

    def status(self) -> str:
        """bearerbox's status page (boxes and SMSC links), or "" while it is not answering."""
        try:
            response = requests.get(
                f"http://127.0.0.1:{self.admin_port}/status.txt",
                params={"password": self.admin_password},
                timeout=2,
            )
        except requests.ConnectionError:
            return ""
        return response.text if response.ok else ""

    def smsc_online(self) -> bool:
        return re.search(rf"^\s*{self.smsc_id}\[.*\(online", self.status(), re.MULTILINE) is not None

    def stop(self) -> None:
        self.smsbox.stop()
        self.bearerbox.stop()


@dataclass(frozen=True)
class Sms:
    sender: str
    receiver: str
    text: str


@dataclass(frozen=True)
class _Part:
    sender: str
    receiver: str
    data: bytes
    reference: tuple[int, int, int] | None  # (reference number, parts, this part's number)


RECEIVED = re.compile(rb"Got message \d+: <(.*)>$", re.MULTILINE)


def _url_decoded(value: bytes) -> bytes:
    return unquote_to_bytes(value.replace(b"+", b" "))


def _concatenation(udh: bytes) -> tuple[int, int, int] | None:
    """The concatenation element (8- or 16-bit reference) of a user data header, if any."""
    position = 1
    while position + 1 < len(udh):
        element, length = udh[position], udh[position + 1]
        body = udh[position + 2 : position + 2 + length]
        if element == 0x00 and length == 3:
            return body[0], body[1], body[2]
        if element == 0x08 and length == 4:
            return body[0] << 8 | body[1], body[2], body[3]
        position += 2 + length
    return None


def _parse(line: bytes) -> _Part:
    sender, receiver, kind, rest = line.split(b" ", 3)
    if kind == b"text":
        return _Part(sender.decode(), receiver.decode(), rest, None)
    if kind == b"data":
        return _Part(sender.decode(), receiver.decode(), _url_decoded(rest), None)
    if kind == b"udh":
        udh, data = rest.split(b" ", 1)
        data = data.removeprefix(b"data ")  # Kannel 1.4.5 writes "udh UDH data DATA"
        concatenation = _concatenation(_url_decoded(udh))
        return _Part(sender.decode(), receiver.decode(), _url_decoded(data), concatenation)
    raise AssertionError(f"fakesmsc logged a message of unknown type: {line!r}")


def reassemble(lines: list[bytes]) -> list[Sms]:
    """The SMS a phone would show: the parts of a concatenated SMS joined once all arrived."""
    messages: list[Sms] = []
    pending: dict[tuple[str, str, int], dict[int, bytes]] = {}
    for part in map(_parse, lines):
        if part.reference is None:
            messages.append(Sms(part.sender, part.receiver, part.data.decode("utf-8", "replace")))
            continue
        reference, total, number = part.reference
        parts = pending.setdefault((part.sender, part.receiver, reference), {})
        parts[number] = part.data
        if len(parts) == total:
            del pending[(part.sender, part.receiver, reference)]
            text = b"".join(parts[n] for n in sorted(parts)).decode("utf-8", "replace")
            messages.append(Sms(part.sender, part.receiver, text))
    return messages


class FakeSmsc(ChildProcess):
    """The phones' side of the SMS network: ``send`` is an SMS from a phone, ``received`` every
    SMS that reached a phone through Kannel."""

    def __init__(self, directory: Path, *, kannel: Kannel):
        self.kannel = kannel
        self.sent = 0
        super().__init__(
            "fakesmsc",
            # -v 0: the debug level is where it logs what it sent and received.
            kannel_command(
                "fakesmsc", "-H", "127.0.0.1", "-r", str(kannel.fake_smsc_port), "-i", "0", "-v", "0"
            ),
            log=directory / "fakesmsc.log",
        )

    def start(self, *, stdin: int | None = subprocess.PIPE) -> None:
        # Closing its standard input would crash fakesmsc (it does not expect end of file), so the
        # pipe stays open until ``stop``.
        super().start(stdin=stdin)
        self.wait_until(self.kannel.smsc_online)

    def send(self, sender: str, text: str) -> None:
        """One SMS from ``sender`` to the short code, handed to bearerbox before this returns.
        (fakesmsc reads its input with stdio buffering: a second line written before the first
        was sent would wait in its buffer, hence one line at a time.)"""
        assert "\n" not in text and len(text.encode()) < 200, "fakesmsc reads lines of at most 255 bytes"
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(f"{sender} {self.kannel.short_code} text {text}\n".encode())
        self.process.stdin.flush()
        self.sent += 1
        sent = re.compile(rf"fakesmsc: sent message {self.sent}$", re.MULTILINE)
        self.wait_until(lambda: sent.search(self.output()), timeout=10)

    def received(self) -> list[Sms]:
        return reassemble(RECEIVED.findall(self.log.read_bytes()))

    def received_by(self, phone: str) -> list[str]:
        """The texts delivered to ``phone``, written with or without the international '+'."""
        return [sms.text for sms in self.received() if sms.receiver.lstrip("+") == phone.lstrip("+")]
