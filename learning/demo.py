"""The demo organisation's learning: a workspace "Welcome to Acme" with three resources (one
a quiz) and a pathway "Onboarding" shared with the group "New starters", which has one
member who can sign in, so that `make run` shows both sides."""

import secrets

from django.db import transaction

from accounts.actors import SYSTEM
from accounts.models import Group, User
from accounts.services import group_create, group_members_add, user_create
from learning import services
from learning.models import Workspace

WORKSPACE = "Welcome to Acme"
PATHWAY = "Onboarding"
GROUP = "New starters"


@transaction.atomic
def demo_learning_ensure(*, member_email: str) -> str | None:
    """Create the demo content and member if missing (in the current organisation's schema).
    Returns the member's password when the member was created now, else None."""
    password = None
    member = User.objects.filter(user_name__iexact=member_email, deleted_at__isnull=True).first()
    if member is None:
        password = secrets.token_urlsafe(12)
        member = user_create(
            actor=SYSTEM,
            user_name=member_email,
            email=member_email,
            password=password,
            name_given="Sam",
            name_family="Starter",
        )
    group = Group.objects.filter(display_name=GROUP).first()
    if group is None:
        group = group_create(display_name=GROUP, actor=SYSTEM)
    if not group.memberships.filter(user=member).exists():
        group_members_add(group=group, user_ids=[str(member.pk)], actor=SYSTEM)
    if not Workspace.objects.filter(name=WORKSPACE).exists():
        _content(group)
    return password


def _content(group: Group) -> None:
    space = services.workspace_create(
        name=WORKSPACE, description="Everything a new starter at Acme needs in week one."
    )
    welcome = services.resource_create(workspace=space, title="Welcome aboard")
    services.element_add(
        resource=welcome,
        kind="text",
        markdown="# Welcome to Acme\n\nWe make **anvils** that last. This week you will "
        "meet your team, set up your laptop and learn how we keep each other safe.",
    )
    services.element_add(
        resource=welcome, kind="video", url="https://www.youtube.com/watch?v=aqz-KE-bpKQ"
    )
    tools = services.resource_create(workspace=space, title="Your tools")
    services.element_add(
        resource=tools,
        kind="text",
        markdown="- Email and calendar\n- The team chat\n- The expenses app",
    )
    services.element_add(
        resource=tools, kind="link", url="https://www.example.com/handbook", label="Handbook"
    )
    quiz = services.resource_create(workspace=space, title="Safety quiz")
    services.resource_update(
        resource=quiz, title="Safety quiz", pass_mark=100, retries_allowed=True
    )
    services.element_add(resource=quiz, kind="text", markdown="Two questions on safety.")
    element = services.element_add(resource=quiz, kind="quiz")
    services.question_add(
        element=element,
        text="Where do you meet when the fire alarm rings?",
        kind="single",
        options=[("At the assembly point in the car park", True), ("At my desk", False)],
    )
    services.question_add(
        element=element,
        text="Which of these must you wear on the workshop floor?",
        kind="multiple",
        options=[("Safety boots", True), ("Ear defenders", True), ("A tie", False)],
    )
    pathway = services.pathway_create(
        name=PATHWAY,
        description="Your first week at Acme.",
        enforce_order=True,
        lock_until_passed=True,
    )
    for resource in (welcome, tools, quiz):
        services.resource_publish(resource=resource)
        services.pathway_step_add(pathway=pathway, resource=resource)
    services.share_create(target=pathway, group=group, due="after", due_days=7)
