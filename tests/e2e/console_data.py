"""A lived-in organisation for the browser tests: people, a group, a token and SCIM traffic."""

from typing import Any

from django_tenants.utils import schema_context

from accounts.models import Group, Membership, User
from scim.services import token_create
from tests.e2e.console_steps import scim_request

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def populate(
    live_app: Any, django_db_blocker: Any, slug: str, secret: str | None = None
) -> dict[str, Any]:
    """People of every source, a group, and real SCIM requests: a create, a clash (409) and a
    group, with `secret` (or a new token); returns the secret, the SCIM user's id and the
    group's id."""
    with django_db_blocker.unblock(), schema_context(slug):
        if secret is None:
            _, secret = token_create(name="Microsoft Entra ID")
        for given, family, source, dept in [
            ("Ada", "Lovelace", "console", "Engineering"),
            ("Maximiliana-Katharina", "Wolfeschlegelsteinhausenbergerdorff", "sso", "Sales"),
            ("Linus", "Byte", "console", "Support"),
        ]:
            User.objects.create(
                user_name=f"{given.lower()}@{slug}.test", email=f"{given.lower()}@{slug}.test",
                name_given=given, name_family=family, source=source, department=dept,
            )  # fmt: skip
    status, created = scim_request(live_app, slug, "POST", "/Users", secret, {
        "schemas": [USER_SCHEMA], "userName": f"grace@{slug}.test", "externalId": "e-grace",
        "name": {"givenName": "Grace", "familyName": "Hopper"}, "password": "Not-kept-1234",
        "emails": [{"type": "work", "primary": True, "value": f"grace@{slug}.test"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
    })  # fmt: skip
    assert status == 201, created
    status, clash = scim_request(live_app, slug, "POST", "/Users", secret, {
        "schemas": [USER_SCHEMA], "userName": f"GRACE@{slug}.test",
    })  # fmt: skip
    assert status == 409, clash
    status, group = scim_request(live_app, slug, "POST", "/Groups", secret, {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales team",
    })  # fmt: skip
    assert status == 201, group
    with django_db_blocker.unblock(), schema_context(slug):
        sales = Group.objects.get(pk=group["id"])
        for user in User.objects.filter(department="Sales"):
            Membership.objects.create(group=sales, user=user)
    return {"secret": secret, "grace": created["id"], "group": group["id"]}
