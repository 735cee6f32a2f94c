"""Django's SMTP backend, with the final step of a message's DATA left to the caller.

An SMTP server takes responsibility for a message only when it reads the line "." that ends
DATA; if the connection drops before that, it discards the message (RFC 5321 §4.1.1.4).
`data_begin` sends everything but that line, and `data_end` sends it. The sending job
commits its "sent" record between the two (looop/mail/sending.py), so a worker that dies
before the commit leaves neither a delivered message nor a record, and one that dies after
it leaves both.
"""

import contextlib
import re

from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpBackend
from django.core.mail.message import sanitize_address

_LINE_START_DOT = re.compile(rb"(?m)^\.")


class EmailBackend(DjangoSmtpBackend):
    """The connection stays open between messages; `send_messages` works as Django's."""

    def data_begin(self, message: EmailMessage) -> str:
        """MAIL, RCPT, DATA and the message itself, all but its end; returns the Message-ID."""
        if self.connection is None:
            self.open()
        else:
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
        code, reply = self.connection.getreply()
        if code != 250:
            raise _refused("end of DATA", code, reply)

    def abandon(self) -> None:
        """Drop the connection mid-message: the server discards what it has of it."""
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.sock.close()
            self.connection = None


class SmtpRefused(RuntimeError):
    def __init__(self, step: str, code: int, reply: bytes) -> None:
        text = reply.decode("utf-8", "replace")[:300]
        super().__init__(f"The mail server refused {step}: {code} {text}")
        self.code = code
        self.permanent = 500 <= code < 600


def _refused(step: str, code: int, reply: bytes) -> SmtpRefused:
    return SmtpRefused(step, code, reply)


__all__ = ["EmailBackend", "SmtpRefused"]
