"""A real SMTP server on loopback (aiosmtpd) and real worker processes, for email tests."""

import asyncio
import email
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.conftest import free_port, test_database_url

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    def part(self, content_type: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == content_type:
                return part.get_payload(decode=True).decode()
        raise KeyError(content_type)


@dataclass
class Mailbox:
    """What the loopback server accepted. `replies` are the answers to the next messages, in
    order (one starting "250" takes the message); `refuse_next` answers 451 to that many
    messages; `silent_next` takes that many and answers only after `silent_seconds` (a
    client that gave up waiting does not know it took them)."""

    received: list[Received] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    refuse_next: int = 0
    silent_next: int = 0
    silent_seconds: float = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        silent = False
        with self.lock:
            if self.replies and not (reply := self.replies.pop(0)).startswith("250"):
                return reply
            if self.refuse_next > 0:
                self.refuse_next -= 1
                return "451 4.3.0 Try again later"
            self.received.append(
                Received(
                    sender=envelope.mail_from,
                    recipients=list(envelope.rcpt_tos),
                    message=email.message_from_bytes(envelope.original_content),
                )
            )
            if self.silent_next > 0:
                self.silent_next -= 1
                silent = True
        if silent:
            await asyncio.sleep(self.silent_seconds)
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.recipients]

    def wait_for(self, count: Callable[[], int], expected: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while count() < expected and time.monotonic() < deadline:
            time.sleep(0.05)


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def worker_env(smtp_port: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "LOOOP_JOBS_STALLED_SECONDS": "3",
        "LOOOP_JOBS_STALLED_CHECK_CRON": "* * * * * */1",
        **extra,
    }


def worker_start(smtp_port: int, name: str, *args: str, **extra: str) -> subprocess.Popen:
    """`manage.py procrastinate worker`, as production runs it; its log under .looop/."""
    (ROOT / ".looop").mkdir(exist_ok=True)
    log = open(ROOT / ".looop" / f"worker-{name}-{os.getpid()}.log", "w")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker", "--name", name, *args],
        cwd=ROOT,
        env=worker_env(smtp_port, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def worker_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
