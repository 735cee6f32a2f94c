"""manage.py demo gives the demo organisation a small, real example of learning."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from accounts.models import User
from learning.models import Element, Pathway, Resource, Workspace
from learning.selectors import learning_items

pytestmark = pytest.mark.django_db


def demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_demo_has_a_workspace_a_pathway_and_a_member_who_receives_it():
    first = demo()
    member_password = re.search(r"Member password: (\S+) \(shown once\)", first).group(1)
    assert "Member:          member@demo.looop.localhost" in first
    assert "Admin:           admin@demo.looop.localhost" in first
    again = demo()  # a second run adds nothing and keeps the password
    assert "Member password: unchanged" in again
    with schema_context("demo"):
        assert list(Workspace.objects.values_list("name", flat=True)) == ["Welcome to Acme"]
        assert sorted(Resource.objects.values_list("title", "status")) == [
            ("Safety quiz", "published"),
            ("Welcome aboard", "published"),
            ("Your tools", "published"),
        ]
        assert Element.objects.filter(kind="quiz").count() == 1
        pathway = Pathway.objects.get()
        assert [s.resource.title for s in pathway.steps.all()] == [
            "Welcome aboard",
            "Your tools",
            "Safety quiz",
        ]
        member = User.objects.get(user_name="member@demo.looop.localhost")
        assert member.check_password(member_password)
        [item] = learning_items(user=member)
        assert (item.title, item.total, item.status) == ("Onboarding", 3, "due_soon")
