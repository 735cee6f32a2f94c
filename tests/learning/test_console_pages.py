"""Learning in the admin console: build, edit, publish, share; members are refused."""

import re
import uuid

import pytest

from learning.models import (
    Element,
    Option,
    Pathway,
    PathwayStep,
    Question,
    Resource,
    Share,
    Workspace,
)
from tests.learning.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_an_admin_builds_a_resource_with_a_quiz_and_publishes_it(alice, in_acme):
    client = signed_in(alice)
    created = client.post("/learning/workspaces", {"name": "Welcome", "visibility": "open"})
    workspace = Workspace.objects.get()
    assert (created.status_code, created["Location"]) == (
        302,
        f"/learning/workspaces/{workspace.pk}",
    )
    made = client.post(f"/learning/workspaces/{workspace.pk}/resources", {"title": "Safety"})
    resource = Resource.objects.get()
    assert made["Location"] == f"/learning/resources/{resource.pk}"
    base = f"/learning/resources/{resource.pk}"
    client.post(f"{base}/elements", {"kind": "text", "markdown": "Wear a **helmet**."})
    client.post(f"{base}/elements", {"kind": "video", "url": "https://youtu.be/dQw4w9WgXcQ"})
    client.post(f"{base}/elements", {"kind": "quiz"})
    quiz = Element.objects.get(kind="quiz")
    added = client.post(
        f"{base}/elements/{quiz.pk}/questions",
        {
            "text": "Helmet?",
            "kind": "single",
            "option-0": "Yes",
            "correct-0": "on",
            "option-1": "No",
        },
    )
    assert added.status_code == 302
    assert list(Option.objects.values_list("text", "correct")) == [("Yes", True), ("No", False)]
    client.post(f"{base}/settings", {"title": "Safety", "pass_mark": "50", "retries_allowed": "on"})
    published = client.post(f"{base}/publish", {"action": "publish"})
    assert published.status_code == 302
    resource.refresh_from_db()
    assert (resource.status, resource.pass_mark, resource.retries_allowed) == (
        "published",
        50,
        True,
    )
    assert list(resource.elements.values_list("kind", flat=True)) == ["text", "video", "quiz"]
    editor = client.get(base).content.decode()
    assert "<strong>helmet</strong>" in editor and 'data-testid="share-form"' in editor
    preview = client.get(f"{base}/preview")
    assert preview.status_code == 200
    assert "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" in preview.content.decode()
    assert "correct" not in preview.content.decode().lower()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "text", "markdown": "x" * 20_001}, "limited to 20,000 characters"),
        ({"kind": "video", "url": "https://evil.test/x.html"}, "Videos must be"),
        ({"kind": "link", "url": "javascript:alert(1)", "label": "x"}, "must start with https://"),
        ({"kind": "script"}, "text, video, link or quiz"),
    ],
)
def test_bad_elements_get_400_with_the_reason(alice, in_acme, data, message):
    workspace = Workspace.objects.create(name="W")
    resource = Resource.objects.create(workspace=workspace, title="R")
    response = signed_in(alice).post(f"/learning/resources/{resource.pk}/elements", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Element.objects.exists()


def test_publishing_an_empty_resource_is_refused(alice, in_acme):
    resource = Resource.objects.create(workspace=Workspace.objects.create(name="W"), title="R")
    response = signed_in(alice).post(f"/learning/resources/{resource.pk}/publish")
    assert response.status_code == 400
    assert "Add at least one element" in response.content.decode()


def test_an_admin_builds_a_pathway_and_shares_it_with_a_group(alice, catalogue, starters):
    client = signed_in(alice)
    client.post("/learning/pathways", {"name": "Start here", "lock_until_passed": "on"})
    pathway = Pathway.objects.get(name="Start here")
    assert (pathway.enforce_order, pathway.lock_until_passed) == (False, True)
    base = f"/learning/pathways/{pathway.pk}"
    client.post(f"{base}/steps", {"resource": str(catalogue.intro.pk)})
    client.post(f"{base}/steps", {"resource": str(catalogue.quiz.pk)})
    draft = client.post(f"{base}/steps", {"resource": str(catalogue.draft.pk)})
    assert draft.status_code == 400 and "Only published" in draft.content.decode()
    second = PathwayStep.objects.get(pathway=pathway, resource=catalogue.quiz)
    client.post(f"{base}/steps/{second.pk}", {"action": "up"})
    assert [s.resource.title for s in pathway.steps.all()] == ["Safety quiz", "Introduction"]
    shared = client.post(
        f"{base}/share", {"group": str(starters.pk), "due": "after", "due_days": "7"}
    )
    assert shared.status_code == 302
    share = Share.objects.get(pathway=pathway)
    assert (share.group_id, share.due, share.due_days) == (starters.pk, "after", 7)
    page = client.get(base).content.decode()
    assert "7 days after receipt" in page and "New starters" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"group": "starters", "due": "after", "due_days": "0"}, "from 1 to 3650"),
        ({"group": "starters", "due": "after", "due_days": "abc"}, "whole number"),
        ({"group": "starters", "due": "fixed", "due_date": "31/12/2026"}, "YYYY-MM-DD"),
        ({"due": "none", "group": str(uuid.uuid4())}, "Choose a group of this organisation"),
        ({"due": "none", "people": "nobody@acme.test"}, "No person here"),
        ({"due": "none"}, "Choose a group or name people"),
    ],
)
def test_bad_shares_get_400(alice, catalogue, starters, data, message):
    if data.get("group") == "starters":
        data = {**data, "group": str(starters.pk)}
    response = signed_in(alice).post(f"/learning/pathways/{catalogue.onboarding.pk}/share", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Share.objects.exists()


def test_members_cannot_open_the_console(bob, catalogue):
    client = signed_in(bob)
    for path in [
        "/learning",
        f"/learning/resources/{catalogue.draft.pk}",
        f"/learning/resources/{catalogue.draft.pk}/preview",
        f"/learning/pathways/{catalogue.onboarding.pk}",
        f"/learning/reports/pathways/{catalogue.onboarding.pk}",
        f"/learning/reports/pathways/{catalogue.onboarding.pk}.csv",
        f"/learning/people/{bob.pk}",
    ]:
        assert client.get(path).status_code == 403, path
    assert client.post(f"/learning/resources/{catalogue.draft.pk}/publish").status_code == 403
    catalogue.draft.refresh_from_db()
    assert catalogue.draft.status == "draft"


def test_ids_of_other_resources_and_organisations_get_404(alice, catalogue, gina):
    from django_tenants.utils import schema_context

    from tests.conftest import host_client

    client = signed_in(alice)
    other = Question.objects.filter(element__resource=catalogue.quiz).first()
    response = client.post(f"/learning/resources/{catalogue.intro.pk}/questions/{other.pk}/delete")
    assert response.status_code == 404
    assert client.get(f"/learning/resources/{uuid.uuid4()}").status_code == 404
    globex = host_client("globex")
    with schema_context("globex"):
        globex.force_login(gina)
    assert globex.get(f"/learning/resources/{catalogue.intro.pk}").status_code == 404
    assert globex.get(f"/learning/pathways/{catalogue.onboarding.pk}").status_code == 404


def test_the_nav_has_learning_for_admins(alice):
    body = signed_in(alice).get("/learning").content.decode()
    assert re.search(r'<a href="/learning" aria-current="page">Learning</a>', body)
