"""Django's SMTP backend, kept open between messages, that tells a refusal from no answer.

An SMTP server takes responsibility for a message when it reads the line "." that ends DATA
and answers 250 (RFC 5321 §4.1.1.4); a connection that drops before that line leaves it
nothing. `data_begin` sends all of a message but that line and `data_end` sends it, so the
sending job (looop/mail/sending.py) can do its database work before the server can take the
message. Both raise `SmtpRefused` with the step and code when the server says no (the job
retries 4xx and gives up on 5xx), and `data_end` raises `NoReply` when the whole message went
out and no answer came back.
"""

import contextlib
import re
import smtplib
import socket
import time

from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpBackend
from django.core.mail.message import sanitize_address

_LINE_START_DOT = re.compile(rb"(?m)^\.")


# A connection used this recently is taken to be still open, without a NOOP round trip:
# servers close idle connections after minutes (RFC 5321 §4.5.3.2.7 suggests 5), not seconds.
_FRESH_SECONDS = 2.0


class EmailBackend(DjangoSmtpBackend):
    """The connection stays open between messages; `send_messages` works as Django's."""

    _used_at = 0.0

    def open(self) -> bool | None:
        opened = super().open()
        sock = getattr(self.connection, "sock", None)
        if sock is not None:
            # The end of DATA (".") is a small write after the message's: with Nagle's
            # algorithm on, it waits for the server's delayed ACK of the message, about
            # 40 ms on loopback, a message (docs/performance.md, Campaigns).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return opened

    def data_begin(self, message: EmailMessage) -> str:
        """MAIL, RCPT, DATA and the message itself, all but its end; returns the Message-ID."""
        if self.connection is None:
            self.open()
        elif time.monotonic() - self._used_at > _FRESH_SECONDS:
            try:
                self.connection.noop()
            except Exception:  # the server hung up while we were idle
                self.close()
                self.open()
        connection = self.connection
        encoding = message.encoding or "utf-8"
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in message.recipients()]
        built = message.message()
        connection.ehlo_or_helo_if_needed()
        options = ["BODY=8BITMIME"] if connection.has_extn("8bitmime") else []
        code, reply = connection.mail(sender, options)
        if code != 250:
            raise _refused("MAIL FROM", code, reply)
        for recipient in recipients:
            code, reply = connection.rcpt(recipient)
            if code not in (250, 251):
                raise _refused("RCPT TO", code, reply)
        code, reply = connection.docmd("DATA")
        if code != 354:
            raise _refused("DATA", code, reply)
        body = _LINE_START_DOT.sub(b"..", built.as_bytes(linesep="\r\n"))
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        connection.send(body)
        return built["Message-ID"] or ""

    def data_end(self) -> None:
        """Send the line that ends DATA; the server's reply says whether it took the message."""
        assert self.connection is not None
        self.connection.send(b".\r\n")
        try:
            code, reply = self.connection.getreply()
        except (OSError, smtplib.SMTPException) as exc:  # it may or may not have the message
            raise NoReply(f"no reply after the message ({exc or exc.__class__.__name__})") from exc
        if code != 250:
            raise _refused("end of DATA", code, reply)
        self._used_at = time.monotonic()

    def abandon(self) -> None:
        """Drop the connection mid-message: the server discards what it has of it."""
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.sock.close()
            self.connection = None


class NoReply(RuntimeError):
    """The whole message went out, and the server did not answer: it may have taken it."""


class SmtpRefused(RuntimeError):
    def __init__(self, step: str, code: int, reply: bytes) -> None:
        text = reply.decode("utf-8", "replace")[:300]
        super().__init__(f"The mail server refused {step}: {code} {text}")
        self.code = code
        self.permanent = 500 <= code < 600


def _refused(step: str, code: int, reply: bytes) -> SmtpRefused:
    return SmtpRefused(step, code, reply)


__all__ = ["EmailBackend", "NoReply", "SmtpRefused"]
