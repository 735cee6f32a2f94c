"""Learning fixtures: acme's people (alice the admin, bob and carol members), a group, and
a small catalogue built through learning.services, all inside acme's schema."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership, User
from accounts.services import user_create
from learning import services
from learning.models import Element, Pathway, Resource, Workspace
from tests.conftest import PASSWORD, host_client


@pytest.fixture
def in_acme(acme) -> Iterator[None]:
    with schema_context("acme"):
        yield


def member(user_name: str) -> User:
    return user_create(actor=SYSTEM, user_name=user_name, email=user_name, password=PASSWORD)


@pytest.fixture
def bob(in_acme) -> User:
    return member("bob@acme.test")


@pytest.fixture
def carol(in_acme) -> User:
    return member("carol@acme.test")


@pytest.fixture
def starters(in_acme) -> Group:
    return Group.objects.create(display_name="New starters")


def join(user: User, group: Group) -> Membership:
    return Membership.objects.create(user=user, group=group)


def text_resource(workspace: Workspace, title: str, *, publish: bool = True) -> Resource:
    resource = services.resource_create(workspace=workspace, title=title)
    services.element_add(resource=resource, kind="text", markdown=f"# {title}\n\nRead me.")
    if publish:
        services.resource_publish(resource=resource)
    return resource


def quiz_resource(workspace: Workspace, title: str, *, retries: bool = True) -> Resource:
    """A two-question quiz, pass mark 100 %."""
    resource = services.resource_create(workspace=workspace, title=title)
    services.resource_update(resource=resource, title=title, pass_mark=100, retries_allowed=retries)
    quiz = services.element_add(resource=resource, kind="quiz")
    services.question_add(
        element=quiz, text="2 + 2?", kind="single", options=[("4", True), ("5", False)]
    )
    services.question_add(
        element=quiz,
        text="Primes?",
        kind="multiple",
        options=[("2", True), ("3", True), ("4", False)],
    )
    services.resource_publish(resource=resource)
    return resource


def right_answers(resource: Resource) -> dict[str, list[str]]:
    quiz = resource.elements.get(kind=Element.Kind.QUIZ)
    return {
        str(q.pk): [str(o.pk) for o in q.options.all() if o.correct] for q in quiz.questions.all()
    }


def wrong_answers(resource: Resource) -> dict[str, list[str]]:
    quiz = resource.elements.get(kind=Element.Kind.QUIZ)
    return {
        str(q.pk): [str(o.pk) for o in q.options.all() if not o.correct][:1]
        for q in quiz.questions.all()
    }


@dataclass
class Catalogue:
    open_space: Workspace
    private_space: Workspace
    intro: Resource  # open workspace, published text
    draft: Resource  # open workspace, draft
    secret: Resource  # private workspace, published text
    quiz: Resource  # private workspace, published quiz
    onboarding: Pathway  # intro then quiz, enforce order, lock until passed


@pytest.fixture
def catalogue(in_acme) -> Catalogue:
    open_space = services.workspace_create(name="Welcome", visibility="open")
    private_space = services.workspace_create(name="Managers", visibility="private")
    intro = text_resource(open_space, "Introduction")
    draft = text_resource(open_space, "Unfinished", publish=False)
    secret = text_resource(private_space, "Pay bands")
    quiz = quiz_resource(private_space, "Safety quiz")
    onboarding = services.pathway_create(
        name="Onboarding", enforce_order=True, lock_until_passed=True
    )
    services.pathway_step_add(pathway=onboarding, resource=intro)
    services.pathway_step_add(pathway=onboarding, resource=quiz)
    return Catalogue(open_space, private_space, intro, draft, secret, quiz, onboarding)


def signed_in(user: User) -> Client:
    client = host_client("acme")
    with schema_context("acme"):
        client.force_login(user)
    return client
