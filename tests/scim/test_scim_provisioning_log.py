"""The provisioning log: one event per SCIM request (successes, errors, refusals and rolled-back
writes), in the organisation's schema, and pruned after the retention period."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from scim.models import ProvisioningEvent, RejectedRequestCount, ScimToken
from tests.scim.conftest import PATCH_OP, ScimClient, in_schema

pytestmark = pytest.mark.django_db


def events(slug: str = "acme") -> list[tuple]:
    return in_schema(slug, lambda: list(ProvisioningEvent.objects.order_by("at").values_list(
        "method", "path", "resource_type", "resource_id", "status", "scim_type", "detail",
        "token_name")))  # fmt: skip


def test_every_request_writes_one_event(scim):
    created = scim.post("/Users", {"userName": "log@acme.test"})
    user_id = created.json()["id"]
    scim.get(f"/Users/{user_id}")
    scim.post("/Users", {"userName": "LOG@acme.test"})
    scim.get("/Users?filter=userName%20eq%20%22nobody%22")
    scim.get("/Schemas")
    scim.delete(f"/Users/{user_id}")
    token = "Microsoft Entra ID"
    assert events() == [
        ("POST", "/scim/v2/Users", "User", user_id, 201, "", "", token),
        ("GET", f"/scim/v2/Users/{user_id}", "User", user_id, 200, "", "", token),
        ("POST", "/scim/v2/Users", "User", "", 409, "uniqueness",
         "A user with this userName already exists.", token),
        ("GET", '/scim/v2/Users?filter=userName%20eq%20%22nobody%22', "User", "", 200, "", "",
         token),
        ("GET", "/scim/v2/Schemas", "", "", 200, "", "", token),
        ("DELETE", f"/scim/v2/Users/{user_id}", "User", user_id, 204, "", "", token),
    ]  # fmt: skip
    with schema_context("acme"):
        event = ProvisioningEvent.objects.order_by("at").first()
        assert event.token == ScimToken.objects.get(name=token)
        assert 0 < event.duration_ms < 5000
        assert timezone.now() - event.at < timedelta(minutes=1)


def test_an_overlong_resource_id_is_logged_shortened(scim):
    long_id = "x" * 300
    response = scim.get(f"/Users/{long_id}")
    assert response.status_code == 404
    assert events()[-1][:5] == ("GET", f"/scim/v2/Users/{long_id}", "User", "x" * 64, 404)


def test_a_rolled_back_request_is_still_logged(scim):
    group = scim.post("/Groups", {"displayName": "G"}).json()
    stranger = "00000000-0000-0000-0000-00000000000a"
    body = {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": "displayName", "value": "Renamed"},
        {"op": "add", "path": "members", "value": [{"value": stranger}]},
    ]}  # fmt: skip
    assert scim.patch(f"/Groups/{group['id']}", body).status_code == 400
    method, path, kind, resource_id, status, scim_type, detail, _ = events()[-1]
    assert (method, kind, resource_id, status, scim_type) == (
        "PATCH", "Group", group["id"], 400, "invalidValue",
    )  # fmt: skip
    assert detail == "1 of the members are not users here."
    assert scim.get(f"/Groups/{group['id']}").json()["displayName"] == "G"


def test_refused_requests_are_counted_not_logged_in_the_host_organisation(globex, acme_token):
    ScimClient("globex", acme_token).post("/Users", {"userName": "x@globex.test"})
    assert events("globex") == []  # tests/scim/test_scim_rejected_requests.py: counted
    with schema_context("globex"):
        assert list(RejectedRequestCount.objects.values_list("reason", "count")) == [("invalid", 1)]


def test_prune_command_deletes_old_events_in_every_organisation(scim, globex_scim):
    scim.get("/Users")
    globex_scim.get("/Users")
    globex_scim.get("/Groups")
    old = timezone.now() - timedelta(days=31)
    for slug in ("acme", "globex"):
        with schema_context(slug):
            ProvisioningEvent.objects.filter(path="/scim/v2/Users").update(at=old)
    out = StringIO()
    call_command("prune_provisioning_events", stdout=out)
    assert out.getvalue().strip() == "Deleted 2 provisioning events older than 30 days."
    assert events("acme") == []
    assert [e[1] for e in events("globex")] == ["/scim/v2/Groups"]


def test_prune_with_days_and_setting(scim, settings):
    scim.get("/Users")
    with schema_context("acme"):
        ProvisioningEvent.objects.update(at=timezone.now() - timedelta(days=3))
    call_command("prune_provisioning_events", "--days", "5", stdout=StringIO())
    assert len(events()) == 1
    settings.SCIM_EVENT_RETENTION_DAYS = 2
    from scim.management.commands import prune_provisioning_events

    command = prune_provisioning_events.Command()
    parser = command.create_parser("manage.py", "prune_provisioning_events")
    assert parser.parse_args([]).days == 2  # the default follows the setting
    call_command(command, stdout=StringIO())
    assert events() == []
