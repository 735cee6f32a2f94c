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
    smtp_server.mailbox.replies.clear()
    smtp_server.mailbox.refuse_next = smtp_server.mailbox.silent_next = 0
    return smtp_server.mailbox


@pytest.fixture
def committed_org(django_db_setup, django_db_blocker):
    """A fresh organisation, committed, so worker processes can see it and its jobs."""
    import uuid

    from accounts.services import organisation_create
    from tests.conftest import PASSWORD

    slug = f"mail{uuid.uuid4().hex[:10]}"
    with django_db_blocker.unblock():
        organisation, _ = organisation_create(
            slug=slug, name=f"Mail & Co {slug}", admin_email=f"admin@{slug}.test",
            admin_password=PASSWORD,
        )  # fmt: skip
    return organisation


@pytest.fixture
def smtp_settings(settings, smtp_server):
    """This process sends to the loopback server, over a connection of its own."""
    from looop.mail import sending

    sending._drop_backend()  # a connection cached by an earlier test has other settings
    settings.EMAIL_BACKEND = "looop.mail.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    yield settings
    sending._drop_backend()
