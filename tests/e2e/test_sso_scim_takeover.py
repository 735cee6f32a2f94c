"""A leaked SCIM token cannot turn a Microsoft identity into an organisation's admin.

Real Chromium, the real OIDC provider process and the live server: SCIM writes the founding
admin's externalId = the oid of a user of another Entra tenant, and that user presses "Sign
in with Microsoft". They do not become the admin, whether the organisation is bound to its
tenant or not (in the unbound case, while the real admin has just switched Microsoft on in
their own browser, which holds the seed flow's binding intent).
"""

from urllib.parse import quote

import pytest

from tests.e2e.console_steps import admin_email, scim_request, sign_in
from tests.sso.e2e_steps import (
    CONTOSO,
    FABRIKAM,
    directory_user,
    microsoft_fixture,  # noqa: F401 (the `microsoft` fixture)
    organisation_read,
    organisation_set,
    refusal_reason,
    scim_secret,
    sign_in_with_microsoft,
    user_read,
)

pytestmark = pytest.mark.e2e
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def scim_points_the_admin_at(live_app, slug: str, secret: str, oid: str) -> None:
    """The attacker's two requests: find the founding admin, write their externalId."""
    query = quote(f'userName eq "{admin_email(slug)}"')
    status, found = scim_request(live_app, slug, "GET", f"/Users?filter={query}", secret)
    assert status == 200 and found["totalResults"] == 1, found
    admin_id = found["Resources"][0]["id"]
    body = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "externalId", "value": oid}],
    }
    status, patched = scim_request(live_app, slug, "PATCH", f"/Users/{admin_id}", secret, body)
    assert status == 200 and patched["externalId"] == oid, patched  # an attribute, nothing more


@pytest.mark.parametrize(
    ("bound", "tenant", "reason"),
    [
        (True, FABRIKAM, "other_tenant"),
        (False, FABRIKAM, "not_connected"),
        # The same attack from inside the bound tenant: admins are never linked automatically.
        (True, CONTOSO, "admin_not_linked"),
    ],
    ids=["bound", "not-bound", "bound-same-tenant"],
)
def test_scim_cannot_hand_the_admin_to_another_tenants_user(
    bound,
    tenant,
    reason,
    live_app,
    live_org,
    microsoft,
    browser,
    page,
    screenshot,
    django_db_blocker,
):
    slug = live_org.schema_name
    if bound:
        organisation_set(django_db_blocker, slug, microsoft_enabled=True, entra_tenant_id=CONTOSO)
    else:
        # The real admin switches Microsoft on in their own browser (the seed flow's start).
        admin_browser = browser.new_context()
        admin_page = admin_browser.new_page()
        sign_in(admin_page, live_app, slug, admin_email(slug))
        admin_page.goto(live_app.url(slug, "/account/authentication"))
        with admin_page.expect_navigation():
            admin_page.get_by_role("switch", name="Microsoft Azure").click()
        assert [c["name"] for c in admin_browser.cookies() if c["name"] == "looop_sso_seed"]
    mallory = f"mallory@fabrikam-{slug}.test"
    mallory_oid = directory_user(microsoft, tid=tenant, preferred_username=mallory)
    scim_points_the_admin_at(live_app, slug, scim_secret(django_db_blocker, slug), mallory_oid)

    sign_in_with_microsoft(page, live_app, microsoft, slug, mallory)

    assert refusal_reason(page) == reason
    screenshot(f"sso-scim-takeover-refused-{reason}")
    page.goto(live_app.url(slug, "/account/authentication"))
    assert page.url.startswith(live_app.url(slug, "/login"))  # no session, no console
    admin = user_read(django_db_blocker, slug, admin_email(slug))
    assert (admin.external_id, admin.entra_tid, admin.entra_oid) == (mallory_oid, None, None)
    assert organisation_read(django_db_blocker, slug).entra_tenant_id == (CONTOSO if bound else "")
    if not bound:
        admin_browser.close()
