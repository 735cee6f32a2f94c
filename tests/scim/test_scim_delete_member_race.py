"""A user being deleted never stays a member: DELETE /Users/<id> racing with member adds
of that user (what Entra sends while deprovisioning)."""

from urllib.parse import quote

from django_tenants.utils import schema_context

from accounts.models import Group
from tests.scim.conftest import ERROR, PATCH_OP, USER_SCHEMA, other_session, parallel

ROUNDS = 50
ORPHANS = """
SELECT count(*) FROM {schema}.accounts_membership m
JOIN {schema}.accounts_user u ON u.id = m.user_id WHERE u.deleted_at IS NOT NULL
"""


def add_body(user_id: str) -> dict:
    value = [{"value": user_id}]
    return {"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "members", "value": value}]}


def orphans(schema: str) -> int:
    with other_session() as session:
        return session.execute(ORPHANS.format(schema=schema)).fetchone()[0]


def test_a_deleted_user_never_stays_in_a_group_50_contended_rounds(
    live_scim, live_org, django_db_blocker
):
    slug = live_org.schema_name
    with django_db_blocker.unblock(), schema_context(slug):
        groups = [str(Group.objects.create(display_name=f"G{i}").pk) for i in range(2)]
    not_a_user = {"schemas": [ERROR], "status": "400", "scimType": "invalidValue",
                  "detail": "1 of the members are not users here."}  # fmt: skip
    deleted = []
    for round_ in range(ROUNDS):
        status, user = live_scim.request(
            "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": f"leaver{round_}@x.test"}
        )
        assert status == 201
        user_id = user["id"]

        def job(i: int, user_id: str = user_id) -> tuple[int, object]:
            if i == 0:
                return live_scim.request("DELETE", f"/Users/{user_id}")
            return live_scim.request("PATCH", f"/Groups/{groups[i % 2]}", add_body(user_id))

        results = parallel(5, job)
        assert results[0] == (204, None)
        # An add that ran first succeeded (and the delete removed it); one that ran after
        # the delete refused the unknown member.
        assert [r for r in results[1:] if r not in ((204, None), (400, not_a_user))] == []
        deleted.append(user_id)

    assert orphans(slug) == 0
    for group_id in groups:
        status, document = live_scim.request("GET", f"/Groups/{group_id}")
        assert status == 200 and document.get("members", []) == []
    for user_id in deleted[:10]:
        assert live_scim.request("GET", f"/Users/{user_id}")[0] == 404
        query = quote(f'members.value eq "{user_id}"')
        status, found = live_scim.request("GET", f"/Groups?filter={query}")
        assert (status, found["totalResults"]) == (200, 0)
