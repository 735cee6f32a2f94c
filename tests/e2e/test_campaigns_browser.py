"""The campaigns scenario of the issue in real Chromium, with a worker process, SCIM over the
live server, the loopback SMTP server, and the test clock (never sleeping a day)."""

import time
from email.header import decode_header, make_header
from urllib.parse import quote

from django_tenants.utils import schema_context

from accounts.models import User
from campaigns import clock
from campaigns.models import Enrolment, Execution
from learning import services as learning
from scim.services import token_create
from tests.campaigns.conftest import published
from tests.conftest import PASSWORD
from tests.e2e.console_steps import admin_email, scim_request, sign_in
from tests.jobs.conftest import mailbox, smtp_server  # noqa: F401 (fixtures)
from tests.jobs.mail_support import worker_start, worker_stop

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
WORKER_ENV = {"LOOOP_CAMPAIGNS_TEST_CLOCK": "1", "LOOOP_CAMPAIGNS_SWEEP_CRON": "* * * * * */2"}


def wait_until(check, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def entra_create(live_app, slug: str, token: str, user_name: str, department: str) -> str:
    lookup = quote(f'userName eq "{user_name}"')
    assert scim_request(live_app, slug, "GET", f"/Users?filter={lookup}", token)[0] == 200
    body = {
        "schemas": [CORE, ENTERPRISE],
        "userName": user_name,
        "active": True,
        "name": {"givenName": user_name.split("@")[0].title()},
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        ENTERPRISE: {"department": department},
    }
    status, created = scim_request(live_app, slug, "POST", "/Users", token, body)
    assert status == 201, created
    return created["id"]


def test_sales_new_starters_in_chromium(
    live_app, live_org, page, browser, screenshot,
    smtp_server, mailbox, django_db_blocker, settings,  # noqa: F811 (the imported fixtures)
):  # fmt: skip
    settings.CAMPAIGNS_TEST_CLOCK = True
    slug = live_org.slug
    with django_db_blocker.unblock(), schema_context(slug):
        _, token = token_create(name="Entra")
        pathway = learning.pathway_create(name="Sales onboarding")
        learning.pathway_step_add(pathway=pathway, resource=published("Our products"))
    # 1. The admin builds the campaign in the console.
    sign_in(page, live_app, slug, admin_email(slug))
    page.goto(live_app.url(slug, "/campaigns"))
    page.get_by_label("Name").fill("Sales new starters")
    page.get_by_role("button", name="Add condition").click()
    page.get_by_label("Attribute").select_option("department")
    page.get_by_label("Value").fill("Sales")
    page.get_by_test_id("preview").filter(has_text="0 people match now.").wait_for()
    assert page.get_by_test_id("audience").input_value() == 'department eq "Sales"'
    page.get_by_role("button", name="Create draft").click()
    page.get_by_test_id("status").filter(has_text="Draft").wait_for()
    form = page.get_by_test_id("step-form")
    form.get_by_label("Do", exact=True).select_option("share")
    form.get_by_label("Day", exact=True).fill("0")
    form.get_by_label("Share", exact=True).select_option(f"pathway:{pathway.pk}")
    form.get_by_label("Due in (days)").fill("14")
    form.get_by_role("button", name="Add step").click()
    form = page.get_by_test_id("step-form")
    form.get_by_label("Do", exact=True).select_option("email")
    form.get_by_label("Day", exact=True).fill("1")
    form.get_by_label("Email subject").fill("Welcome, {{first_name}}")
    form.get_by_label("Email body").fill("Welcome to {{organisation_name}}.")
    form.get_by_role("button", name="Add step").click()
    page.get_by_role("button", name="Start").click()
    page.get_by_test_id("status").filter(has_text="Running").wait_for()
    screenshot("campaigns-editor")
    worker = worker_start(smtp_server.port, f"campaigns-e2e-{slug}", **WORKER_ENV)
    try:
        # 2. Entra-shaped SCIM creates three people, two in Sales.
        sam = entra_create(live_app, slug, token, f"sam@{slug}.test", "Sales")
        sue = entra_create(live_app, slug, token, f"sue@{slug}.test", "Sales")
        entra_create(live_app, slug, token, f"max@{slug}.test", "Engineering")

        def subjects(name: str) -> list[str]:
            received = mailbox.to(f"{name}@{slug}.test")
            return sorted(str(make_header(decode_header(r.message["Subject"]))) for r in received)

        # 3. Within seconds: their notices, and the pathway on their home.
        notice = "Sales new starters shared “Sales onboarding” with you"
        wait_until(lambda: subjects("sam") == subjects("sue") == [notice], seconds=60)
        with django_db_blocker.unblock(), schema_context(slug):
            person = User.objects.get(pk=sam)
            person.set_password(PASSWORD)  # to sign in as them in the browser
            person.save(update_fields=["password"])
        learner = browser.new_context().new_page()
        sign_in(learner, live_app, slug, f"sam@{slug}.test")
        learner.get_by_role("link", name="Sales onboarding").first.wait_for()
        learner.context.close()
        # 4. One day later, by the test clock: one welcome email each.
        with django_db_blocker.unblock(), schema_context(slug):
            clock.clock_advance(days=1)
        wait_until(lambda: len(subjects("sam")) == len(subjects("sue")) == 2)
        # 5. SCIM moves Sue to Marketing: she leaves, and no later step reaches her.
        move = {
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Marketing"}
            ],
        }
        assert scim_request(live_app, slug, "PATCH", f"/Users/{sue}", token, move)[0] == 200

        def sue_left() -> bool:
            with django_db_blocker.unblock(), schema_context(slug):
                return Enrolment.objects.get(user_id=sue).left_at is not None

        wait_until(sue_left)
        page.goto(live_app.url(slug, f"/campaigns/people/{sue}"))
        page.get_by_text("pending steps cancelled").wait_for()
        with django_db_blocker.unblock(), schema_context(slug):
            clock.clock_advance(days=5)
        time.sleep(4)  # two sweeps: nothing more may arrive
        page.goto(live_app.url(slug, "/campaigns"))
        page.get_by_role("link", name="Timeline").click()
        page.get_by_test_id("timeline").filter(has_text="Left").wait_for()
        screenshot("campaigns-timeline")
    finally:
        worker_stop(worker)
    assert subjects("sam") == sorted([notice, "Welcome, Sam"])
    assert subjects("sue") == sorted([notice, "Welcome, Sue"])
    assert subjects("max") == []
    with django_db_blocker.unblock(), schema_context(slug):
        assert Execution.objects.filter(user_id=sue).count() == 2
