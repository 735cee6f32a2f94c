"""Learning in real Chromium, end to end, with the group and its member provisioned by SCIM:

1. the admin builds a workspace with a text resource and a quiz resource, then a pathway
   with "lock until passed";
2. shares it with the SCIM group "New starters", due 7 days after receipt;
3. SCIM adds a user to the group;
4. the user signs in with a password and sees the pathway with its due date;
5. completes the text, fails the quiz, retries and passes;
6. the admin's report shows them complete, and the CSV holds the same row;
7. SCIM removes the user from the group: the pathway leaves their home, and the report
   keeps their completion.
"""

import csv
import io
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from scim.services import token_create
from tests.conftest import PASSWORD
from tests.e2e.console_steps import admin_email, scim_request, sign_in

pytestmark = pytest.mark.e2e

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def keep(path: Path, name: str) -> None:
    """With LOOOP_DOCS_SCREENSHOTS=1, copy a screenshot to docs/screenshots, where the
    README shows it (otherwise it stays under test-artifacts/, like every other one)."""
    if os.environ.get("LOOOP_DOCS_SCREENSHOTS") != "1":
        return
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, DOCS_SCREENSHOTS / f"{name}.png")


def members_patch(op: str, user_id: str) -> dict:
    return {
        "schemas": [PATCH],
        "Operations": [{"op": op, "path": "members", "value": [{"value": user_id}]}],
    }


def add_element(page, kind: str, **fields: str) -> None:
    page.get_by_label("Kind", exact=True).select_option(kind)
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Add element").click()
    page.wait_for_load_state()


def test_new_starter_receives_completes_and_leaves_the_onboarding_pathway(
    live_app, live_org, browser, page, screenshot, django_db_blocker
):
    slug = live_org.schema_name
    with django_db_blocker.unblock(), schema_context(slug):
        _, token = token_create(name="Microsoft Entra ID")
    status, group = scim_request(
        live_app, slug, "POST", "/Groups",
        token, {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "New starters"},
    )  # fmt: skip
    assert status == 201

    # 1. The admin builds the content.
    sign_in(page, live_app, slug, admin_email(slug))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Learning").click()
    page.get_by_label("New workspace").fill("Welcome")
    page.get_by_role("button", name="Create workspace").click()
    page.get_by_label("New resource").fill("Our values")
    page.get_by_role("button", name="Create resource").click()
    add_element(page, "text", **{"Text (Markdown)": "# Our values\n\nWe are **kind**."})
    page.get_by_role("button", name="Publish").click()
    assert page.get_by_test_id("resource-status").inner_text() == "Published"
    page.get_by_role("link", name="Welcome").click()
    page.get_by_label("New resource").fill("Values quiz")
    page.get_by_role("button", name="Create resource").click()
    add_element(page, "text", **{"Text (Markdown)": "Answer one question."})
    add_element(page, "quiz")
    form = page.get_by_test_id("question-form")
    form.get_by_label("Question").fill("What are we?")
    form.get_by_label("Option 1", exact=True).fill("Kind")
    form.get_by_label("Option 1 is correct").check()
    form.get_by_label("Option 2", exact=True).fill("Rude")
    form.get_by_role("button", name="Add question").click()
    page.get_by_role("button", name="Publish").click()
    assert page.get_by_test_id("resource-status").inner_text() == "Published"
    keep(screenshot("learning-resource-editor"), "learning-resource-editor")

    page.get_by_role("link", name="Learning", exact=True).first.click()
    page.get_by_label("New pathway").fill("Onboarding")
    page.get_by_label("Lock until passed").check()
    page.get_by_role("button", name="Create pathway").click()
    for title in ["Welcome › Our values", "Welcome › Values quiz"]:
        page.get_by_label("Add a published resource").select_option(label=title)
        page.get_by_role("button", name="Add", exact=True).click()
    assert page.get_by_test_id("pathway-steps").inner_text().count("Welcome") == 2

    # 2. Share with the SCIM group, due 7 days after receipt.
    share = page.get_by_test_id("share-form")
    share.get_by_label("Group").select_option(label="New starters")
    share.get_by_label("Due", exact=True).select_option("after")
    share.get_by_label("Days after receipt").fill("7")
    share.get_by_role("button", name="Share").click()
    assert "7 days after receipt" in page.get_by_test_id("shares").inner_text()
    pathway_url = page.url

    # 3. SCIM creates the user and adds them to the group.
    status, user = scim_request(
        live_app, slug, "POST", "/Users", token,
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
         "userName": f"nell@{slug}.test", "name": {"givenName": "Nell", "familyName": "New"},
         "emails": [{"value": f"nell@{slug}.test", "type": "work", "primary": True}],
         "active": True},
    )  # fmt: skip
    assert status == 201
    status, _ = scim_request(
        live_app, slug, "PATCH", f"/Groups/{group['id']}", token,
        members_patch("Add", user["id"]),
    )  # fmt: skip
    assert status == 204
    with django_db_blocker.unblock(), schema_context(slug):
        nell = User.objects.get(pk=user["id"])
        nell.set_password(PASSWORD)  # as if she had followed her invitation
        nell.save(update_fields=["password"])

    # 4. The user signs in and sees the pathway with its due date.
    learner = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    learner.set_default_timeout(15_000)
    sign_in(learner, live_app, slug, f"nell@{slug}.test")
    due = timezone.localdate() + timedelta(days=7)
    item = learner.get_by_test_id("item")
    assert item.get_by_test_id("item-title").inner_text() == "Onboarding"
    assert item.get_by_test_id("item-due").inner_text() == f"Due {due.day} {due:%b %Y}"
    assert item.get_by_test_id("item-progress").inner_text() == "0 of 2"
    keep(screenshot_of(learner, "learning-home"), "learning-home")

    # 5. Text completed, quiz failed, retried and passed.
    item.get_by_test_id("item-continue").click()
    learner.get_by_role("button", name="Mark as complete").click()
    assert learner.get_by_test_id("completed").is_visible()
    learner.goto(live_app.url(slug, "/"))
    learner.get_by_test_id("item-continue").click()  # continue where I left off: the quiz
    assert learner.get_by_role("heading", name="Values quiz").is_visible()
    learner.get_by_label("Rude").check()
    learner.get_by_role("button", name="Submit answers").click()
    assert learner.get_by_test_id("quiz-result").inner_text().startswith("Not passed: 0 %")
    learner.get_by_label("Kind").check()
    learner.get_by_role("button", name="Submit answers").click()
    assert learner.get_by_test_id("quiz-result").inner_text().startswith("Passed: 100 %")
    keep(screenshot_of(learner, "learning-resource-quiz"), "learning-resource-quiz")
    learner.goto(live_app.url(slug, "/"))
    learner.get_by_test_id("item-title").click()
    states = learner.get_by_test_id("step-state").all_inner_texts()
    assert states == ["Completed", "Passed"]
    assert learner.get_by_test_id("pathway-progress").inner_text().startswith("2 of 2")
    keep(screenshot_of(learner, "learning-pathway"), "learning-pathway")

    # 6. The admin's report and its CSV.
    page.goto(pathway_url)
    page.get_by_role("link", name="Report").click()
    assert page.get_by_test_id("completed-count").inner_text() == "1"
    row = page.get_by_test_id("report-row")
    assert row.get_by_test_id("report-status").inner_text() == "Completed"
    assert "2 of 2" in row.inner_text()
    keep(screenshot("learning-report"), "learning-report")
    with page.expect_download() as download:  # the browser resolves *.localhost itself
        page.get_by_test_id("csv").click()
    text = Path(download.value.path()).read_text()
    lines = list(csv.reader(io.StringIO(text)))
    assert [line[:2] + line[3:7] for line in lines[1:]] == [
        [f"nell@{slug}.test", "Nell New", due.isoformat(), "2", "2", "completed"]
    ]

    # 7. SCIM removes her from the group: the pathway leaves her home; the report keeps her.
    status, _ = scim_request(
        live_app, slug, "PATCH", f"/Groups/{group['id']}", token,
        members_patch("Remove", user["id"]),
    )  # fmt: skip
    assert status == 204
    learner.goto(live_app.url(slug, "/"))
    assert learner.get_by_test_id("my-learning-empty").is_visible()
    page.reload()
    assert page.get_by_test_id("completed-count").inner_text() == "1"
    assert page.get_by_test_id("report-row").get_by_test_id("report-status").inner_text() == (
        "Completed"
    )
    learner.context.close()


def screenshot_of(page, name: str) -> Path:
    from tests.e2e.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
