"""Account > Authentication: Connect Microsoft Entra ID, admin consent, Disconnect."""

import html
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django_tenants.utils import schema_context

from accounts.models import AuditEntry, Organisation, User
from tests.conftest import host_client
from tests.sso.conftest import (
    new_oid,
    organisation_update,
    person,
    reload,
    session_user_id,
    signed_in_flow,
)
from tests.sso.fake_entra import CLIENT_ID, CONTOSO, FABRIKAM

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_enabled(acme, fake_entra) -> Organisation:
    return organisation_update(acme, microsoft_enabled=True, entra_tenant_id="")


def acme_now() -> Organisation:
    return Organisation.objects.get(schema_name="acme")


def connect(flow, fake, *, tid: str = CONTOSO, oid: str | None = None):
    """Press Connect as the flow's signed-in admin; Microsoft answers for (tid, oid)."""
    flow.start("/sso/microsoft/connect", method="post")
    assert flow.authorize is not None
    fake.id_token = fake.sign(
        fake.claims(
            tid=tid,
            oid=oid or new_oid(),
            nonce=flow.authorize["nonce"],
            preferred_username="it-admin@contoso.test",
        )
    )
    return flow.complete(flow.callback())


def test_connect_binds_the_tenant_and_links_the_admin(acme_enabled, alice, fake_entra):
    flow = signed_in_flow("acme", alice)
    oid = new_oid()

    response = connect(flow, fake_entra, oid=oid)

    assert response.status_code == 302
    assert response["Location"] == "/account/authentication"
    assert flow.authorize["prompt"] == "consent"
    acme = acme_now()
    assert (acme.entra_tenant_id, acme.entra_connected_by) == (CONTOSO, "alice@acme.test")
    alice = reload("acme", alice)
    assert (alice.entra_tid, alice.entra_oid) == (CONTOSO, oid)
    assert session_user_id(flow.org, "acme") == str(alice.pk)
    with schema_context("acme"):
        entry = AuditEntry.objects.get(action="organisation.microsoft_connect")
    assert (entry.actor_label, entry.target, entry.detail) == (
        "alice@acme.test",
        CONTOSO,
        {"tenant": CONTOSO, "via": "Connect"},
    )
    page = flow.org.get("/account/authentication")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Connected to tenant <code>{CONTOSO}</code> by alice@acme.test." in body
    assert 'data-testid="microsoft-disconnect"' in body
    assert 'data-testid="microsoft-connect"' not in body


def test_only_admins_can_press_connect(acme_enabled, fake_entra):
    bob = person("acme", "bob@acme.test")
    flow = signed_in_flow("acme", bob)
    assert flow.org.post("/sso/microsoft/connect").status_code == 403
    assert host_client("acme").post("/sso/microsoft/connect")["Location"].startswith("/login")
    assert signed_in_flow("acme", bob).org.get("/sso/microsoft/connect").status_code == 405
    assert acme_now().entra_tenant_id == ""


def test_connect_finishes_only_in_the_session_of_the_admin_who_started(
    acme_enabled, alice, fake_entra
):
    flow = signed_in_flow("acme", alice)
    flow.start("/sso/microsoft/connect", method="post")
    fake_entra.id_token = fake_entra.sign(
        fake_entra.claims(tid=CONTOSO, oid=new_oid(), nonce=flow.authorize["nonce"])
    )
    callback = flow.callback()
    other_admin = person("acme", "adam@acme.test", role="admin")
    with schema_context("acme"):
        flow.org.force_login(other_admin)  # the same browser, now someone else's session

    response = flow.complete(callback)

    assert response.status_code == 403
    assert 'data-reason="not_admin"' in response.content.decode()
    assert acme_now().entra_tenant_id == ""
    assert reload("acme", other_admin).entra_oid is None


def test_connect_to_a_second_tenant_is_refused(acme_enabled, alice, fake_entra):
    organisation_update(acme_enabled, entra_tenant_id=FABRIKAM)
    response = connect(signed_in_flow("acme", alice), fake_entra, tid=CONTOSO)
    assert response.status_code == 409
    assert 'data-reason="already_connected"' in response.content.decode()
    assert acme_now().entra_tenant_id == FABRIKAM
    assert reload("acme", alice).entra_oid is None


def test_connect_with_someone_elses_microsoft_account_is_refused(acme_enabled, alice, fake_entra):
    oid = new_oid()
    bob = person("acme", "bob@acme.test", entra_tid=CONTOSO, entra_oid=oid)
    response = connect(signed_in_flow("acme", alice), fake_entra, oid=oid)
    assert response.status_code == 409
    assert 'data-reason="identity_taken"' in response.content.decode()
    assert acme_now().entra_tenant_id == ""
    assert reload("acme", bob).entra_oid == oid
    assert reload("acme", alice).entra_oid is None


def test_connect_while_microsoft_is_off_is_refused(acme, alice, fake_entra):
    flow = signed_in_flow("acme", alice)
    response = flow.org.post("/sso/microsoft/connect")
    assert response.status_code == 403
    assert 'data-reason="microsoft_off"' in response.content.decode()
    assert "looop_sso_binding" not in response.cookies


# --- Disconnect ---


def test_disconnect_asks_first_then_unbinds_and_unlinks(acme_enabled, alice, fake_entra):
    flow = signed_in_flow("acme", alice)
    connect(flow, fake_entra)
    person("acme", "bob@acme.test", entra_tid=CONTOSO, entra_oid=new_oid())

    confirm = flow.org.get("/sso/microsoft/disconnect")
    assert confirm.status_code == 200
    assert "Disconnect Microsoft Entra ID?" in confirm.content.decode()
    assert CONTOSO in confirm.content.decode()
    assert acme_now().entra_tenant_id == CONTOSO  # a GET changes nothing

    response = flow.org.post("/sso/microsoft/disconnect")

    assert response.status_code == 302
    assert response["Location"] == "/account/authentication"
    acme = acme_now()
    assert (acme.entra_tenant_id, acme.entra_connected_by) == ("", "")
    assert acme.entra_connected_at is None
    with schema_context("acme"):
        assert not User.objects.filter(entra_oid__isnull=False).exists()
        entry = AuditEntry.objects.get(action="organisation.microsoft_disconnect")
    assert entry.detail == {"tenant": CONTOSO, "unlinked": 2}
    page = flow.org.get("/account/authentication").content.decode()
    assert f"Disconnected from tenant {CONTOSO}. 2 Microsoft account links removed." in page
    assert 'data-testid="microsoft-connect"' in page


def test_members_cannot_disconnect(acme_enabled, fake_entra):
    organisation_update(acme_enabled, entra_tenant_id=CONTOSO)
    flow = signed_in_flow("acme", person("acme", "bob@acme.test"))
    assert flow.org.get("/sso/microsoft/disconnect").status_code == 403
    assert flow.org.post("/sso/microsoft/disconnect").status_code == 403
    assert acme_now().entra_tenant_id == CONTOSO


# --- the admin-consent link ---


def test_the_panel_offers_the_admin_consent_link(acme_enabled, alice, fake_entra):
    page = signed_in_flow("acme", alice).org.get("/account/authentication").content.decode()
    start = page.index('data-testid="microsoft-admin-consent"')
    href = page[page.rindex("<a href=", 0, start) :].split('"')[1].replace("&amp;", "&")
    link = urlsplit(href)
    assert f"{link.scheme}://{link.netloc}{link.path}" == (
        f"{fake_entra.url}/organizations/v2.0/adminconsent"
    )
    query = {key: values[0] for key, values in parse_qs(link.query).items()}
    assert query == {
        "client_id": CLIENT_ID,
        "scope": "https://graph.microsoft.com/.default",
        "redirect_uri": "http://looop.localhost/sso/microsoft/callback",
        "state": query["state"],
    }
    state = query["state"].removeprefix("consent:")
    assert signing.loads(state, salt="looop.sso.admin-consent") == {"org": "acme"}


def _consent_state(page: str) -> str:
    start = page.index('data-testid="microsoft-admin-consent"')
    href = page[page.rindex("<a href=", 0, start) :].split('"')[1].replace("&amp;", "&")
    return parse_qs(urlsplit(href).query)["state"][0]


def test_the_tenant_returned_by_admin_consent_is_never_trusted(acme_enabled, alice, fake_entra):
    page = signed_in_flow("acme", alice).org.get("/account/authentication").content.decode()
    state = _consent_state(page)

    response = host_client(None).get(
        "/sso/microsoft/callback",
        {"admin_consent": "True", "tenant": FABRIKAM, "state": state, "scope": "openid"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Admin consent granted" in body
    assert "Acme is not connected yet" in body
    assert 'href="http://acme.looop.localhost/account/authentication"' in body
    assert acme_now().entra_tenant_id == ""
    assert fake_entra.token_requests == []


def test_a_declined_admin_consent_is_reported_in_fixed_words(acme_enabled, alice, fake_entra):
    page = signed_in_flow("acme", alice).org.get("/account/authentication").content.decode()
    response = host_client(None).get(
        "/sso/microsoft/callback",
        {
            "error": "access_denied",
            "error_description": "The admin canceled the request",
            "state": _consent_state(page),
        },
    )
    assert response.status_code == 403
    body = html.unescape(response.content.decode())
    assert "Admin consent was not granted" in body
    assert (
        "<p>Microsoft did not record consent. The request was declined or cancelled at "
        "Microsoft.</p>" in body
    )
    assert "Microsoft's error code: <code>access_denied</code>" in body
    assert "The admin canceled the request" not in body


@pytest.mark.parametrize(
    "description",
    [
        "Your account is suspended. Call +1 555 0100 to restore it",
        "<a href=https://evil.test>Re-verify here</a>",
    ],
)
def test_consent_errors_never_show_the_query_strings_text(
    acme_enabled, alice, fake_entra, description
):
    """Anyone can write error_description into a link to Looop's own host."""
    page = signed_in_flow("acme", alice).org.get("/account/authentication").content.decode()
    response = host_client(None).get(
        "/sso/microsoft/callback",
        {
            "error": "made_up<b>code</b>",
            "error_description": description,
            "state": _consent_state(page),
        },
    )
    assert response.status_code == 403
    body = html.unescape(response.content.decode())
    assert "Microsoft reported a problem it didn't name." in body
    assert "Microsoft's error code: <code>other</code>" in body
    for echoed in [description, "+1 555", "evil.test", "made_up", "Re-verify"]:
        assert echoed not in body


# --- what the panel says ---


def test_the_panel_says_in_admin_words_that_microsoft_is_not_set_up(acme, alice, settings):
    settings.MICROSOFT_CLIENT_ID = ""
    settings.MICROSOFT_CLIENT_SECRET = ""
    organisation_update(acme, microsoft_enabled=True)
    page = signed_in_flow("acme", alice).org.get("/account/authentication")
    assert page.status_code == 200
    body = page.content.decode()
    assert (
        "Sign in with Microsoft isn't set up on this Looop server yet, so Microsoft Azure can't "
        "be turned on. Whoever runs your Looop server (your Looop provider or your IT team) "
        "registers Looop with Microsoft once; then this switch works." in body
    )
    assert '<a href="/help/microsoft" data-testid="microsoft-help">' in body
    assert "MICROSOFT_CLIENT" not in body and "docs/microsoft-setup.md" not in body
    assert 'data-testid="microsoft-connect"' not in body


def test_one_missing_setting_is_not_set_up_either(acme, alice, settings):
    settings.MICROSOFT_CLIENT_ID = CLIENT_ID
    settings.MICROSOFT_CLIENT_SECRET = ""
    body = signed_in_flow("acme", alice).org.get("/account/authentication").content.decode()
    assert 'data-testid="microsoft-not-configured"' in body
    assert "MICROSOFT_CLIENT_SECRET" not in body


def test_the_panel_asks_to_switch_microsoft_on_first(acme, alice, fake_entra):
    body = signed_in_flow("acme", alice).org.get("/account/authentication").content.decode()
    assert "Turn on Microsoft Azure above to connect" in body
    assert 'data-testid="microsoft-connect"' not in body


# --- creation at first sign-in ---


def test_admins_switch_creation_at_first_sign_in(acme_enabled, alice, fake_entra):
    flow = signed_in_flow("acme", alice)
    page = flow.org.get("/account/authentication").content.decode()
    assert "<strong>Off:</strong> only people who already have a Looop account" in page

    response = flow.org.post("/sso/microsoft/creation", {"enabled": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/account/authentication"
    assert acme_now().create_users_at_first_sign_in is True
    page = flow.org.get("/account/authentication").content.decode()
    assert "are now created at their first Microsoft sign-in." in page
    assert "<strong>On:</strong> someone of your connected directory" in page
    with schema_context("acme"):
        entry = AuditEntry.objects.get(action="organisation.microsoft_create_users")
    assert (entry.actor_label, entry.detail) == ("alice@acme.test", {"enabled": True})

    flow.org.post("/sso/microsoft/creation", {"enabled": "0"})
    assert acme_now().create_users_at_first_sign_in is False


def test_members_cannot_switch_creation_at_first_sign_in(acme_enabled, fake_entra):
    flow = signed_in_flow("acme", person("acme", "bob@acme.test"))
    assert flow.org.post("/sso/microsoft/creation", {"enabled": "1"}).status_code == 403
    assert acme_now().create_users_at_first_sign_in is False
