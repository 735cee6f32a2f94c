"""Campaign fixtures: acme's people made through the action layer, and a small catalogue."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, User
from accounts.services import user_create
from learning import services as learning
from learning.models import Pathway, Resource

MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def in_acme(acme) -> Iterator[None]:
    with schema_context("acme"):
        yield


def person(user_name: str, **fields: object) -> User:
    return user_create(actor=SYSTEM, user_name=user_name, email=user_name, **fields)


def published(title: str) -> Resource:
    workspace = learning.workspace_create(name=f"{title} space")
    resource = learning.resource_create(workspace=workspace, title=title)
    learning.element_add(resource=resource, kind="text", markdown=f"# {title}")
    learning.resource_publish(resource=resource)
    return resource


@pytest.fixture
def sales_pathway(in_acme) -> Pathway:
    pathway = learning.pathway_create(name="Sales onboarding")
    learning.pathway_step_add(pathway=pathway, resource=published("Our products"))
    return pathway


@pytest.fixture
def sales_group(in_acme) -> Group:
    return Group.objects.create(display_name="Sales team")


@pytest.fixture
def committed_org(django_db_setup, django_db_blocker):
    """A fresh organisation, committed, so servers and workers can see it."""
    import uuid

    from accounts.services import organisation_create
    from tests.conftest import PASSWORD

    slug = f"camp{uuid.uuid4().hex[:10]}"
    with django_db_blocker.unblock():
        organisation, _ = organisation_create(
            slug=slug, name=f"Camp {slug}", admin_email=f"admin@{slug}.test",
            admin_password=PASSWORD,
        )  # fmt: skip
    return organisation


from tests.jobs.conftest import mailbox, smtp_server  # noqa: E402, F401 (shared fixtures)
