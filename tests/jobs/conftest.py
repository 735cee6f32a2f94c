from collections.abc import Iterator

import pytest

from tests.jobs.mail_support import SmtpServer


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.mailbox.received.clear()
    smtp_server.mailbox.refuse_next = 0
    return smtp_server.mailbox
