"""Concurrency against a live gunicorn server: Entra sends requests in parallel and retries."""

from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership, User
from accounts.services import user_create
from tests.scim.conftest import PATCH_OP, USER_SCHEMA, parallel


def test_parallel_member_adds_lose_nothing(live_scim, live_org, django_db_blocker):
    slug = live_org.schema_name
    with django_db_blocker.unblock(), schema_context(slug):
        users = [
            user_create(actor=SYSTEM, user_name=f"m{i}@{slug}.test", source="scim")
            for i in range(40)
        ]
        group = Group.objects.create(display_name="Everyone")

    def add(i: int) -> int:
        # Each PATCH adds three members; neighbours overlap, as Entra retries do.
        value = [{"$ref": None, "value": str(users[(2 * i + k) % 40].pk)} for k in range(3)]
        body = {"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members",
                                                       "value": value}]}  # fmt: skip
        return live_scim.request("PATCH", f"/Groups/{group.pk}", body)[0]

    statuses = parallel(20, add)
    assert statuses == [204] * 20
    with django_db_blocker.unblock(), schema_context(slug):
        stored = set(Membership.objects.filter(group=group).values_list("user_id", flat=True))
        assert stored == {u.pk for u in users}
    status, body = live_scim.request("GET", f"/Groups/{group.pk}")
    assert status == 200 and len(body["members"]) == 40


def test_parallel_duplicate_posts_create_exactly_one_user(live_scim, live_org, django_db_blocker):
    body = {"schemas": [USER_SCHEMA], "userName": "Twin@Contoso.com", "active": True}
    results = parallel(10, lambda i: live_scim.request("POST", "/Users", body))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 9
    assert {r["scimType"] for s, r in results if s == 409} == {"uniqueness"}
    with django_db_blocker.unblock(), schema_context(live_org.schema_name):
        assert User.objects.filter(user_name__iexact="twin@contoso.com").count() == 1


def test_parallel_patches_of_one_user_keep_every_change(live_scim, live_org, django_db_blocker):
    slug = live_org.schema_name
    with django_db_blocker.unblock(), schema_context(slug):
        user = user_create(actor=SYSTEM, user_name=f"busy@{slug}.test", source="scim")
    attributes = ["title", "displayName", "nickName", "userType", "locale", "timezone",
                  "preferredLanguage", "profileUrl"]  # fmt: skip

    def replace(i: int) -> int:
        body = {"schemas": [PATCH_OP], "Operations": [
            {"op": "Replace", "path": attributes[i], "value": f"v{i}"}]}  # fmt: skip
        return live_scim.request("PATCH", f"/Users/{user.pk}", body)[0]

    assert parallel(len(attributes), replace) == [200] * len(attributes)
    status, document = live_scim.request("GET", f"/Users/{user.pk}")
    assert [document[a] for a in attributes] == [f"v{i}" for i in range(len(attributes))]
    assert document["meta"]["version"] == f'W/"{1 + len(attributes)}"'
