"""The issue's scenario with real parts: SCIM over a live gunicorn, a real worker process,
the loopback SMTP server, and the test clock moved forward instead of sleeping."""

import time
from email.header import decode_header, make_header
from urllib.parse import quote

from django_tenants.utils import schema_context

from accounts.models import User
from campaigns import clock, services
from campaigns.models import Enrolment, Execution
from learning import services as learning
from learning.models import Share
from learning.selectors import pathways_visible
from scim.services import token_create
from tests.campaigns.conftest import published
from tests.jobs.mail_support import worker_start, worker_stop
from tests.scim.live_servers import Scim, gunicorn

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
WORKER_ENV = {
    "LOOOP_CAMPAIGNS_TEST_CLOCK": "1",
    "LOOOP_CAMPAIGNS_SWEEP_CRON": "* * * * * */2",  # every 2 s: a moved clock is seen soon
}


def entra_create(scim: Scim, user_name: str, department: str) -> str:
    """Entra's create cycle: look the user up by userName, then POST."""
    query = quote(f'userName eq "{user_name}"')
    status, _, found = scim.request("GET", f"/Users?filter={query}")
    assert (status, found.get("totalResults")) == (200, 0), found
    body = {
        "schemas": [CORE, ENTERPRISE],
        "userName": user_name,
        "active": True,
        "name": {"givenName": user_name.split("@")[0].title()},
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        ENTERPRISE: {"department": department},
    }
    status, _, created = scim.request("POST", "/Users", body)
    assert status == 201
    return created["id"]


def wait_until(check, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def test_sales_new_starters_end_to_end_with_a_worker(
    committed_org, smtp_server, mailbox, django_db_blocker, settings
):
    settings.CAMPAIGNS_TEST_CLOCK = True
    slug = committed_org.slug
    with django_db_blocker.unblock(), schema_context(slug):
        _, secret = token_create(name="Entra")
        pathway = learning.pathway_create(name="Sales onboarding")
        learning.pathway_step_add(pathway=pathway, resource=published("Our products"))
        campaign = services.campaign_create(
            name="Sales new starters", audience='department eq "Sales"'
        )
        services.step_add(campaign=campaign, action="share", days_in=0, target=pathway, due_days=14)
        services.step_add(
            campaign=campaign, action="email", days_in=1,
            subject="Welcome, {{first_name}}", body="Welcome to {{organisation_name}}.",
        )  # fmt: skip
        services.step_add(
            campaign=campaign, action="email", days_in=2, subject="Day 2", body="Check in."
        )
        services.campaign_start(campaign=campaign)
    worker = worker_start(smtp_server.port, f"campaigns-{slug}", **WORKER_ENV)
    try:
        with gunicorn({"LOOOP_ORG_CONCURRENT_REQUESTS": "0"}) as port:
            scim = Scim(port, slug, secret)
            sam = entra_create(scim, f"sam@{slug}.test", "Sales")
            sue = entra_create(scim, f"sue@{slug}.test", "Sales")
            entra_create(scim, f"max@{slug}.test", "Engineering")
            provisioned = time.monotonic()

            def subjects(user: str) -> list[str]:
                received = mailbox.to(f"{user}@{slug}.test")
                return sorted(
                    str(make_header(decode_header(r.message["Subject"]))) for r in received
                )

            notice = "Sales new starters shared “Sales onboarding” with you"
            wait_until(lambda: subjects("sam") == subjects("sue") == [notice])
            notices_after = time.monotonic() - provisioned
            with django_db_blocker.unblock(), schema_context(slug):
                for pk in (sam, sue):
                    person = User.objects.get(pk=pk)
                    assert list(pathways_visible(user=person)) == [pathway]  # on their home
                assert Share.objects.filter(user_id__in=[sam, sue]).count() == 2
                clock.clock_advance(days=1)
            wait_until(lambda: len(subjects("sam")) == len(subjects("sue")) == 2)
            # The mover leaves before their day 2.
            move = {
                "schemas": [PATCH_OP],
                "Operations": [
                    {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Marketing"}
                ],
            }
            assert scim.request("PATCH", f"/Users/{sue}", move)[0] == 200

            def sue_left() -> bool:
                with django_db_blocker.unblock(), schema_context(slug):
                    return Enrolment.objects.get(user_id=sue).left_at is not None

            wait_until(sue_left)
            with django_db_blocker.unblock(), schema_context(slug):
                clock.clock_advance(days=1)
            wait_until(lambda: len(subjects("sam")) == 3)
            time.sleep(3)  # a sweep or two more: nothing may be doubled or reach the leaver
    finally:
        worker_stop(worker)
    assert subjects("sam") == sorted([notice, "Welcome, Sam", "Day 2"])
    assert subjects("sue") == sorted([notice, "Welcome, Sue"])
    assert subjects("max") == []
    with django_db_blocker.unblock(), schema_context(slug):
        assert Execution.objects.filter(user_id=sue).count() == 2
        assert Share.objects.filter(user_id=sue).exists()  # what she received stays
    assert notices_after < 30
    print(f"\nshare notices in the mailbox {notices_after:.1f} s after the last SCIM create")
