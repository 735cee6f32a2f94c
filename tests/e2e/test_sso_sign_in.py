"""Employees sign in with Microsoft, in real Chromium, against a real OpenID Connect provider.

Flows 2 to 5 of the Sign in with Microsoft issue (a SCIM-provisioned user lands on the home
page; another tenant's user, a user deactivated through SCIM and a replayed ticket are
refused) and the nOAuth attack.
"""

import pytest

from tests.sso.e2e_steps import (
    CONTOSO,
    FABRIKAM,
    directory_user,
    microsoft_fixture,  # noqa: F401 (the `microsoft` fixture)
    organisation_read,
    organisation_set,
    refusal_reason,
    scim_deactivate,
    scim_provision,
    scim_secret,
    sign_in_with_microsoft,
    user_read,
    users_count,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def bound_org(live_org, microsoft, django_db_blocker):
    """A fresh organisation with Microsoft on and bound to the Contoso tenant."""
    organisation_set(
        django_db_blocker, live_org.schema_name, microsoft_enabled=True, entra_tenant_id=CONTOSO
    )
    return live_org


def test_scim_provisioned_user_signs_in_and_lands_on_home(
    live_app, bound_org, microsoft, page, screenshot, django_db_blocker
):
    slug = bound_org.schema_name
    ava = f"ava@{slug}.test"
    oid = directory_user(microsoft, tid=CONTOSO, preferred_username=ava, name="Ava Test")
    provisioned = scim_provision(
        live_app, slug, scim_secret(django_db_blocker, slug), user_name=ava, external_id="ava"
    )
    page.goto(live_app.url(slug, "/login"))
    screenshot("sso-login-button")

    sign_in_with_microsoft(page, live_app, microsoft, slug, ava)

    assert page.url == live_app.url(slug, "/")
    assert page.get_by_test_id("user-name").inner_text() == ava
    assert page.get_by_test_id("org-name").inner_text() == bound_org.name
    screenshot("sso-employee-home")
    user = user_read(django_db_blocker, slug, ava)
    assert str(user.pk) == provisioned["id"]
    assert (user.entra_tid, user.entra_oid, user.source) == (CONTOSO, oid, "scim")

    # Sign-out ends the Looop session and offers Microsoft's sign-out too.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="You're signed out of Looop").wait_for()
    link = page.get_by_role("link", name="Also sign out of Microsoft")
    assert link.get_attribute("href") == f"{microsoft.authority}/organizations/oauth2/v2.0/logout"
    screenshot("sso-signed-out")
    page.goto(live_app.url(slug, "/"))
    assert page.url.startswith(live_app.url(slug, "/login"))
    link_page = page.context.new_page()
    link_page.goto(f"{microsoft.authority}/organizations/oauth2/v2.0/logout")
    assert link_page.get_by_role("heading").inner_text() == "You signed out of your account"


def test_a_user_of_another_tenant_is_refused(
    live_app, bound_org, microsoft, page, screenshot, django_db_blocker
):
    slug = bound_org.schema_name
    eve = f"eve@fabrikam-{slug}.test"
    directory_user(microsoft, tid=FABRIKAM, preferred_username=eve, email=eve)
    before = users_count(django_db_blocker, slug)

    sign_in_with_microsoft(page, live_app, microsoft, slug, eve)

    assert refusal_reason(page) == "other_tenant"
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "This Microsoft account belongs to another directory"
    screenshot("sso-refused-other-tenant")
    assert users_count(django_db_blocker, slug) == before
    assert organisation_read(django_db_blocker, slug).entra_tenant_id == CONTOSO
    page.goto(live_app.url(slug, "/"))
    assert page.url.startswith(live_app.url(slug, "/login"))  # not signed in


def test_a_user_deactivated_through_scim_is_refused(
    live_app, bound_org, microsoft, page, screenshot, django_db_blocker
):
    slug = bound_org.schema_name
    dan = f"dan@{slug}.test"
    directory_user(microsoft, tid=CONTOSO, preferred_username=dan)
    secret = scim_secret(django_db_blocker, slug)
    provisioned = scim_provision(live_app, slug, secret, user_name=dan, external_id="dan")
    sign_in_with_microsoft(page, live_app, microsoft, slug, dan)
    assert page.url == live_app.url(slug, "/")

    scim_deactivate(live_app, slug, secret, provisioned["id"])  # Entra disables Dan

    page.reload()
    assert page.url.startswith(live_app.url(slug, "/login"))  # his session ended at once
    sign_in_with_microsoft(page, live_app, microsoft, slug, dan)
    assert refusal_reason(page) == "deactivated"
    assert page.get_by_role("heading", level=1).inner_text() == "Your account is deactivated"
    screenshot("sso-refused-deactivated")
    assert user_read(django_db_blocker, slug, dan).active is False


def test_a_replayed_ticket_is_refused(
    live_app, bound_org, microsoft, browser, page, screenshot, django_db_blocker
):
    slug = bound_org.schema_name
    rita = f"rita@{slug}.test"
    directory_user(microsoft, tid=CONTOSO, preferred_username=rita)
    scim_provision(
        live_app, slug, scim_secret(django_db_blocker, slug), user_name=rita, external_id="rita"
    )
    tickets: list[str] = []

    def remember_ticket(request) -> None:
        if "/sso/microsoft/complete?" in request.url:
            tickets.append(request.url)

    page.on("request", remember_ticket)
    sign_in_with_microsoft(page, live_app, microsoft, slug, rita)
    assert page.url == live_app.url(slug, "/")
    [ticket_url] = tickets

    # The same browser, the same link: used once already.
    page.goto(ticket_url)
    assert refusal_reason(page) == "ticket_used"
    assert page.get_by_role("heading", level=1).inner_text() == "This sign-in link was already used"
    screenshot("sso-refused-replay")

    # Another browser with the stolen link: no session either.
    other = browser.new_context()
    thief = other.new_page()
    thief.goto(ticket_url)
    assert refusal_reason(thief) == "ticket_used"
    thief.goto(live_app.url(slug, "/"))
    assert thief.url.startswith(live_app.url(slug, "/login"))
    other.close()


def test_noauth_another_tenants_account_with_a_users_email_is_refused(
    live_app, bound_org, microsoft, page, screenshot, django_db_blocker
):
    """nOAuth: a directory admin elsewhere sets Victor's email on an account they control."""
    slug = bound_org.schema_name
    victor = f"victor@{slug}.test"
    scim_provision(
        live_app, slug, scim_secret(django_db_blocker, slug), user_name=victor, external_id="vic"
    )
    mallory = f"mallory@fabrikam-{slug}.test"
    directory_user(
        microsoft, tid=FABRIKAM, preferred_username=mallory, email=victor, xms_edov=False
    )

    sign_in_with_microsoft(page, live_app, microsoft, slug, mallory)

    assert refusal_reason(page) == "other_tenant"
    screenshot("sso-refused-noauth")
    user = user_read(django_db_blocker, slug, victor)
    assert (user.entra_tid, user.entra_oid) == (None, None)
    page.goto(live_app.url(slug, "/"))
    assert page.url.startswith(live_app.url(slug, "/login"))
