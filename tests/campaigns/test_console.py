"""Campaign console pages: list, editor, live preview, steps, lifecycle, timeline, a
person's campaigns, and the organisation's time zone; members and other organisations
are refused."""

import pytest
from django_tenants.utils import schema_context

from accounts.models import AuditEntry, Organisation
from campaigns.models import Campaign, Step
from tests.accounts.console_support import signed_in
from tests.campaigns.conftest import person

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_campaign_and_sees_the_live_preview(alice_client, sales_pathway):
    with schema_context("acme"):
        sam = person("sam@acme.test", name_given="Sam", name_family="Lee", department="Sales")
        person("mo@acme.test", department="Marketing")
    page = alice_client.get("/campaigns")
    assert page.status_code == 200
    assert b"No campaigns yet." in page.content
    preview = alice_client.get("/campaigns/preview", {"audience": 'department eq "Sales"'})
    assert preview.status_code == 200
    assert preview.json() == {
        "count": 1,
        "people": [{"id": str(sam.pk), "userName": "sam@acme.test", "name": "Sam Lee"}],
    }
    bad = alice_client.get("/campaigns/preview", {"audience": "department eq"})
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("The audience is not a valid filter:")
    refused = alice_client.post("/campaigns", {"name": "S", "audience": 'shoe eq "x"'})
    assert refused.status_code == 400
    assert "Unknown attribute &#x27;shoe&#x27;" in refused.content.decode()
    with schema_context("acme"):
        assert not Campaign.objects.exists()
    created = alice_client.post(
        "/campaigns", {"name": "Sales new starters", "audience": 'department eq "Sales"'}
    )
    with schema_context("acme"):
        campaign = Campaign.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/campaigns/{campaign.pk}"
    assert (campaign.name, campaign.audience, campaign.status) == (
        "Sales new starters", 'department eq "Sales"', "draft",
    )  # fmt: skip
    share = alice_client.post(
        f"/campaigns/{campaign.pk}/steps",
        {"action": "share", "timing": "days_in", "days_in": "0",
         "target": f"pathway:{sales_pathway.pk}", "due_days": "14"},
    )  # fmt: skip
    assert share.status_code == 302
    email = alice_client.post(
        f"/campaigns/{campaign.pk}/steps",
        {"action": "email", "timing": "days_in", "days_in": "1", "at_time": "09:00",
         "subject": "Welcome {{first_name}}", "body": "Hello from {{organisation_name}}"},
    )  # fmt: skip
    assert email.status_code == 302
    bad_step = alice_client.post(
        f"/campaigns/{campaign.pk}/steps",
        {"action": "email", "timing": "days_in", "days_in": "x", "subject": "s", "body": "b"},
    )
    assert bad_step.status_code == 400
    assert "Days into the campaign is a whole number." in bad_step.content.decode()
    with schema_context("acme"):
        steps = list(Step.objects.values_list("action", "days_in", "due_days", "subject"))
    assert steps == [("share", 0, 14, ""), ("email", 1, None, "Welcome {{first_name}}")]
    started = alice_client.post(f"/campaigns/{campaign.pk}/start")
    assert started.status_code == 302
    editor = alice_client.get(f"/campaigns/{campaign.pk}").content.decode()
    assert "Running" in editor and "day 0: share “Sales onboarding”, due in 14 days" in editor
    assert "(1 pending)" in editor
    timeline = alice_client.get(f"/campaigns/{campaign.pk}/timeline").content.decode()
    assert "sam@acme.test" in timeline and "Joined" in timeline
    mine = alice_client.get(f"/campaigns/people/{sam.pk}").content.decode()
    assert "Sales new starters" in mine and "Step 1: Pending" in mine
    again = alice_client.post(f"/campaigns/{campaign.pk}/start")
    assert again.status_code == 400
    assert "Only a draft campaign can be started." in again.content.decode()
    assert alice_client.post(f"/campaigns/{campaign.pk}/pause").status_code == 302
    with schema_context("acme"):
        assert Campaign.objects.get().status == "paused"


def test_members_and_other_organisations_are_refused(alice_client, gina, globex_client):
    with schema_context("acme"):
        campaign = Campaign.objects.create(name="Acme only", audience='title eq "x"')
        bob = person("bob@acme.test")
    member = signed_in("acme", bob)
    assert member.get("/campaigns").status_code == 403
    assert member.get("/campaigns/preview", {"audience": 'title eq "x"'}).status_code == 403
    with schema_context("globex"):
        globex_client.force_login(gina)
    assert globex_client.get(f"/campaigns/{campaign.pk}").status_code == 404
    assert globex_client.post(f"/campaigns/{campaign.pk}/start").status_code == 404
    assert globex_client.get(f"/campaigns/{campaign.pk}/timeline").status_code == 404
    assert globex_client.get(f"/campaigns/people/{bob.pk}").status_code == 404
    # Another organisation's preview never counts acme's people.
    preview = globex_client.get("/campaigns/preview", {"audience": 'userName sw "bob"'})
    assert preview.json() == {"count": 0, "people": []}


def test_the_organisation_time_zone_is_set_under_account(alice_client):
    page = alice_client.get("/account/organisation")
    assert page.status_code == 200
    assert '<option value="UTC" selected>' in page.content.decode()
    bad = alice_client.post("/account/organisation", {"time_zone": "Mars/Olympus"})
    assert bad.status_code == 400
    assert "Choose a time zone from the list" in bad.content.decode()
    saved = alice_client.post("/account/organisation", {"time_zone": "Europe/London"})
    assert saved.status_code == 302
    assert Organisation.objects.get(schema_name="acme").time_zone == "Europe/London"
    with schema_context("acme"):
        entry = AuditEntry.objects.get(action="organisation.time_zone")
        assert (entry.target, entry.actor_label) == ("Europe/London", "alice@acme.test")
