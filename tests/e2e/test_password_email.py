"""Invitations and "Forgot password?" end to end: Chromium, the live server, a real worker
process, and the emails it sends to an SMTP server on loopback."""

import re
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django_tenants.utils import schema_context

from accounts.models import Organisation, User
from looop.mail.models import OutgoingEmail
from tests.conftest import PASSWORD
from tests.e2e.console_steps import add_member, admin_email, sign_in
from tests.jobs.mail_support import Mailbox, SmtpServer, worker_start, worker_stop

pytestmark = pytest.mark.e2e
NEW = "a brand new pass phrase"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def worker(live_app, smtp) -> Iterator[None]:
    process = worker_start(smtp.port, "e2e", LOOOP_PUBLIC_PORT=f":{live_app.port}")
    yield
    worker_stop(process)


def email_to(mailbox: Mailbox, address: str, timeout: float = 30) -> str:
    """The plain-text part of the one email that reached `address`."""
    mailbox.wait_for(lambda: len(mailbox.to(address)), 1, timeout=timeout)
    [received] = mailbox.to(address)
    return received.part("text/plain")


def link_in(text: str, path_prefix: str) -> str:
    match = re.search(rf"http://\S+{path_prefix}\S+", text)
    assert match, text
    return match.group(0)


def set_password(page, link: str) -> None:
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("New password again", exact=True).fill(NEW)
    page.get_by_role("button", name="Set password").click()


def test_an_invited_person_sets_a_password_and_signs_in(
    live_app, live_org, worker, smtp, browser, page, screenshot
):
    slug = live_org.schema_name
    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, "/people/new"))
    page.get_by_label("Email").fill(f"ivy@{slug}.test")
    page.get_by_label("Given name").fill("Ivy")
    page.get_by_role("button", name="Add person").click()
    assert "an invitation is on its way" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("sign-in-status").inner_text() == "Invitation pending"

    text = email_to(smtp.mailbox, f"ivy@{slug}.test")
    link = link_in(text, "/invitation/")
    assert urlsplit(link).netloc == f"{slug}.looop.localhost:{live_app.port}"
    invitee = browser.new_context().new_page()
    set_password(invitee, link)
    invitee.wait_for_url(live_app.url(slug, "/login"))
    assert "Your password is set" in invitee.locator(".messages").inner_text()
    sign_in(invitee, live_app, slug, f"ivy@{slug}.test", NEW)
    page.reload()
    assert page.get_by_test_id("sign-in-status").inner_text() == "Password set"
    screenshot("person-after-invitation")


def test_forgot_password_then_sign_in_and_the_old_link_is_dead(
    live_app, live_org, worker, smtp, page, django_db_blocker, screenshot
):
    slug = live_org.schema_name
    add_member(django_db_blocker, slug, f"mo@{slug}.test")
    page.goto(live_app.url(slug, "/login"))
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email").fill(f"mo@{slug}.test")
    screenshot("forgot-password")
    page.get_by_role("button", name="Send reset link").click()
    page.wait_for_url(live_app.url(slug, "/password/forgot/sent"))
    assert page.get_by_test_id("reset-sent").is_visible()

    link = link_in(email_to(smtp.mailbox, f"mo@{slug}.test"), "/password/reset/")
    set_password(page, link)
    page.wait_for_url(live_app.url(slug, "/login"))
    sign_in(page, live_app, slug, f"mo@{slug}.test", NEW)
    page.goto(link)
    assert page.get_by_test_id("link-dead").is_visible()


def test_forgot_password_for_an_unknown_address_looks_the_same_and_sends_nothing(
    live_app, live_org, worker, smtp, page, django_db_blocker
):
    slug = live_org.schema_name
    add_member(django_db_blocker, slug, f"kim@{slug}.test")
    pages = {}
    for address in (f"nobody@{slug}.test", f"kim@{slug}.test"):
        page.goto(live_app.url(slug, "/password/forgot"))
        page.get_by_label("Email").fill(address)
        page.get_by_role("button", name="Send reset link").click()
        pages[address] = (page.url, page.locator("main").inner_text())
    assert pages[f"nobody@{slug}.test"] == pages[f"kim@{slug}.test"]
    email_to(smtp.mailbox, f"kim@{slug}.test")  # the known one arrives …
    time.sleep(0.5)
    assert smtp.mailbox.to(f"nobody@{slug}.test") == []  # … the unknown one never does
    with django_db_blocker.unblock(), schema_context(slug):
        assert list(OutgoingEmail.objects.values_list("to_address", flat=True)) == [
            f"kim@{slug}.test"
        ]


def test_an_admin_turns_passwords_off_for_people_linked_to_microsoft(
    live_app, live_org, browser, page, django_db_blocker, screenshot
):
    slug = live_org.schema_name
    linked = add_member(django_db_blocker, slug, f"lin@{slug}.test")
    with django_db_blocker.unblock():
        Organisation.objects.filter(pk=live_org.pk).update(microsoft_enabled=True)
        with schema_context(slug):
            User.objects.filter(pk=linked.pk).update(entra_tid="t" * 36, entra_oid="o" * 36)
    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, "/account/authentication"))
    switch = page.get_by_role("switch", name="Passwords for people linked to Microsoft")
    assert switch.get_attribute("aria-checked") == "true"
    switch.click()
    # The same address before and after: wait for the page that shows the change.
    page.locator('[data-testid="linked-passwords-switch"][aria-checked="false"]').wait_for()
    switch = page.get_by_role("switch", name="Passwords for people linked to Microsoft")
    assert switch.get_attribute("aria-checked") == "false"
    assert "now sign in with Microsoft only" in page.locator(".messages").inner_text()
    screenshot("linked-passwords-off")
    page.goto(live_app.url(slug, f"/people/{linked.pk}"))
    assert "Signs in with Microsoft only" in page.locator("main").inner_text()

    person = browser.new_context().new_page()
    person.goto(live_app.url(slug, "/login"))
    person.get_by_label("Email").fill(f"lin@{slug}.test")
    person.get_by_label("Password").fill(PASSWORD)
    person.get_by_role("button", name="Sign in").click()
    alert = person.get_by_role("alert").inner_text()
    assert alert == (
        f"Live {slug} signs you in with Microsoft: choose “Sign in with Microsoft” below. "
        "Password sign-in is turned off for people linked to Microsoft."
    )
    assert person.url == live_app.url(slug, "/login")
    person.context.close()
    with django_db_blocker.unblock():
        assert not Organisation.objects.get(pk=live_org.pk).linked_people_may_use_passwords
