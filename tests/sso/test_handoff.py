"""The hand-off ticket: signed, single use, at most 60 s, bound to its organisation and cookie."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django_tenants.utils import schema_context

from sso.models import HandoffTicket
from tests.conftest import host_client
from tests.sso.conftest import new_flow, new_oid, organisation_update, person, session_user_id
from tests.sso.fake_entra import CONTOSO

pytestmark = pytest.mark.django_db


@pytest.fixture
def scott(acme_microsoft):
    return person("acme", "scott@acme.test")


def _callback(flow, fake) -> tuple[str, dict[str, list[str]]]:
    """Run the trip up to the public host's redirect; return the ticket URL's path and query."""
    flow.start()
    fake.id_token = fake.sign(
        fake.claims(
            tid=CONTOSO,
            oid=new_oid(),
            nonce=flow.authorize["nonce"],
            preferred_username="scott@acme.test",
        )
    )
    callback = flow.callback()
    assert callback.status_code == 302
    location = urlsplit(callback["Location"])
    return location.path, parse_qs(location.query)


def _refused(response, reason: str) -> None:
    assert response.status_code == 400, response.content.decode()[:300]
    assert f'data-reason="{reason}"' in response.content.decode()


def test_the_ticket_url_carries_no_personal_details(scott, fake_entra, flow):
    path, query = _callback(flow, fake_entra)
    assert path == "/sso/microsoft/complete"
    assert list(query) == ["ticket"]
    data = signing.loads(query["ticket"][0], salt="looop.sso.handoff")
    assert set(data) == {"org", "id"}
    assert "scott" not in query["ticket"][0]


def test_a_ticket_works_once(scott, fake_entra, flow):
    path, query = _callback(flow, fake_entra)
    assert flow.org.get(path, query).status_code == 302
    assert session_user_id(flow.org, "acme") == str(scott.pk)

    replay = flow.org.get(path, query)

    _refused(replay, "ticket_used")
    with schema_context("acme"):
        assert HandoffTicket.objects.filter(consumed_at__isnull=False).count() == 1


def test_a_replayed_ticket_in_another_browser_is_refused(scott, fake_entra, flow):
    path, query = _callback(flow, fake_entra)
    assert flow.org.get(path, query).status_code == 302
    thief = host_client("acme")
    thief.cookies["looop_sso_binding"] = flow.org.cookies["looop_sso_binding"].value
    _refused(thief.get(path, query), "ticket_used")
    assert session_user_id(thief, "acme") is None


def test_a_ticket_for_another_organisation_is_refused(scott, globex, fake_entra, flow):
    organisation_update(globex, microsoft_enabled=True, entra_tenant_id=CONTOSO)
    path, query = _callback(flow, fake_entra)
    globex_browser = host_client("globex")
    globex_browser.cookies["looop_sso_binding"] = flow.org.cookies["looop_sso_binding"].value

    _refused(globex_browser.get(path, query), "ticket_other_organisation")

    assert session_user_id(globex_browser, "globex") is None
    with schema_context("acme"):
        assert HandoffTicket.objects.get().consumed_at is None  # still acme's, unused


def test_a_ticket_without_the_cookie_is_refused_and_burnt(scott, fake_entra, flow):
    path, query = _callback(flow, fake_entra)
    _refused(host_client("acme").get(path, query), "ticket_cookie_mismatch")
    # Shown once without its cookie, the ticket is spent: the real browser must start again.
    _refused(flow.org.get(path, query), "ticket_used")
    assert session_user_id(flow.org, "acme") is None


def test_login_csrf_someone_elses_ticket_does_not_sign_the_victim_in(scott, fake_entra, flow):
    """An attacker finishes their own Microsoft sign-in and sends the ticket link to a victim."""
    path, query = _callback(flow, fake_entra)  # the attacker's trip
    victim = new_flow("acme")
    victim.org.get("/sso/microsoft/start")  # the victim has a binding cookie of their own

    _refused(victim.org.get(path, query), "ticket_cookie_mismatch")

    assert session_user_id(victim.org, "acme") is None


def test_a_ticket_older_than_60_seconds_is_refused(scott, fake_entra, flow, monkeypatch):
    path, query = _callback(flow, fake_entra)
    later = time.time() + 61
    monkeypatch.setattr(signing.time, "time", lambda: later)
    _refused(flow.org.get(path, query), "ticket_expired")
    assert session_user_id(flow.org, "acme") is None


def test_a_ticket_past_its_stored_expiry_is_refused(scott, fake_entra, flow):
    path, query = _callback(flow, fake_entra)
    with schema_context("acme"):
        ticket = HandoffTicket.objects.get()
        HandoffTicket.objects.filter(pk=ticket.pk).update(expires_at=ticket.issued_at)
    _refused(flow.org.get(path, query), "ticket_expired")


@pytest.mark.parametrize("ticket", ["", "garbage", "eyJvcmciOiJhY21lIn0:1abc:forged"])
def test_a_damaged_ticket_is_refused(ticket, scott, fake_entra, flow):
    flow.org.get("/sso/microsoft/start")
    _refused(flow.org.get("/sso/microsoft/complete", {"ticket": ticket}), "ticket_invalid")


def test_signing_in_gives_a_new_session_key(scott, fake_entra, flow):
    flow.org.get("/login")
    with schema_context("acme"):
        flow.org.session.save()
        before = flow.org.session.session_key
    path, query = _callback(flow, fake_entra)
    assert flow.org.get(path, query).status_code == 302
    with schema_context("acme"):
        assert flow.org.session.session_key != before
    assert (
        "looop_sso_binding" not in flow.org.cookies
        or not flow.org.cookies["looop_sso_binding"].value
    )  # the cookie is cleared once used


def test_a_tampered_start_request_is_refused(scott, fake_entra, flow):
    start = flow.org.get("/sso/microsoft/start")
    query = parse_qs(urlsplit(start["Location"]).query)
    data = signing.loads(query["request"][0], salt="looop.sso.start")
    forged = signing.dumps({**data, "organisation": "globex"}, salt="not-the-salt")
    response = flow.public.get("/sso/microsoft/login", {"request": forged})
    _refused(response, "state_mismatch")
    assert "oidc_states" not in flow.public.session
