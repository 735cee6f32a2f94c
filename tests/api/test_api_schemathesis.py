"""schemathesis against the live OpenAPI schema of a live gunicorn server: every operation,
called with generated valid and invalid input as an admin and as a member (each with a
personal API token), never answers 5xx.

Bounded so it runs in well under two minutes: `MAX_EXAMPLES` inputs per operation and mode.
Path ids are the live organisation's real ones, so calls reach past the 404 of a made-up id.
"""

import os
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import hypothesis
import pytest
import schemathesis
from django_tenants.utils import schema_context
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from accounts.actors import SYSTEM
from accounts.models import Group, Membership
from accounts.services import organisation_create, organisation_host, user_create
from api.services import api_token_create
from learning import services
from tests.conftest import PASSWORD, gunicorn_server
from tests.learning.conftest import quiz_resource, text_resource

MAX_EXAMPLES = int(os.environ.get("LOOOP_SCHEMATHESIS_EXAMPLES", "10"))


@dataclass
class LiveApi:
    base_url: str
    host: str
    tokens: dict[str, str]  # role -> secret
    ids: dict[str, str]


@pytest.fixture(scope="module")
def live_api(django_db_setup, django_db_blocker) -> Iterator[LiveApi]:
    """A committed organisation with content, a group share and tokens, and gunicorn."""
    slug = f"fuzz{uuid.uuid4().hex[:10]}"
    with django_db_blocker.unblock():
        organisation_create(slug=slug, name=f"Fuzz {slug}", admin_email=f"admin@{slug}.test",
                            admin_password=PASSWORD)  # fmt: skip
        with schema_context(slug):
            from accounts.models import User

            admin = User.objects.get(user_name=f"admin@{slug}.test")
            member = user_create(actor=SYSTEM, user_name=f"member@{slug}.test",
                                 email=f"member@{slug}.test", password=PASSWORD)  # fmt: skip
            group = Group.objects.create(display_name="New starters")
            Membership.objects.create(user=member, group=group)
            space = services.workspace_create(name="Welcome", visibility="open")
            intro = text_resource(space, "Introduction")
            quiz = quiz_resource(space, "Quiz")
            pathway = services.pathway_create(name="Onboarding", lock_until_passed=True)
            services.pathway_step_add(pathway=pathway, resource=intro)
            services.pathway_step_add(pathway=pathway, resource=quiz)
            share = services.share_create(target=pathway, group=group, due="after", due_days=7)
            tokens = {
                "admin": api_token_create(user=admin, name="fuzz")[1],
                "member": api_token_create(user=member, name="fuzz")[1],
            }
            ids = {
                "workspace_id": str(space.pk),
                "resource_id": str(quiz.pk),
                "pathway_id": str(pathway.pk),
                "share_id": str(share.pk),
                "element_id": str(quiz.elements.get(kind="quiz").pk),
            }
    # Generated calls include invalid tokens; they must not lock the valid ones out.
    with gunicorn_server(LOOOP_API_TOKEN_FAILURES_PER_WINDOW="1000000") as server:
        yield LiveApi(f"http://127.0.0.1:{server.port}", f"{organisation_host(slug)}:{server.port}",
                      tokens, ids)  # fmt: skip


@pytest.fixture(scope="module")
def api_schema(live_api: LiveApi) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict({"generation": {"no-shrink": True}})
    return schemathesis.openapi.from_url(
        f"{live_api.base_url}/api/v1/schema/",
        config=config,
        headers={"Host": live_api.host, "Accept": "application/json"},
        timeout=30,
    )


def _call_as_everyone(live_api: LiveApi, case: schemathesis.Case, statuses: Counter) -> None:
    for role in ("member", "admin"):
        response = case.call_and_validate(
            base_url=live_api.base_url,
            headers={"Host": live_api.host, "Authorization": f"Bearer {live_api.tokens[role]}"},
            checks=[not_a_server_error],
            timeout=30,
        )
        statuses[(role, response.status_code // 100)] += 1


def test_no_operation_gives_a_server_error(api_schema, live_api: LiveApi) -> None:
    """Each operation, positive and negative input, as a member and as an admin.

    (schemathesis' pytest parametrisation of a schema from a fixture does not run under
    pytest 9, so the operations are walked here, each with its own Hypothesis run.)"""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 24
    failures: list[str] = []
    statuses: Counter = Counter()
    for operation in operations:
        ids = {
            name: value for name, value in live_api.ids.items() if name in operation.path_parameters
        }
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=ids or None)

            @hypothesis.given(case=strategy)
            @hypothesis.settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(hypothesis.HealthCheck),
                phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            )
            def run(case: schemathesis.Case) -> None:
                _call_as_everyone(live_api, case, statuses)

            try:
                run()
            except Exception as failure:  # noqa: BLE001  (collected, then reported together)
                failures.append(f"{operation.label} ({mode}): {failure}")
    assert failures == []
    # The real ids let calls through: both roles had successes as well as refusals.
    assert {(role, 2) for role in ("member", "admin")} <= set(statuses), statuses
    assert {(role, 4) for role in ("member", "admin")} <= set(statuses), statuses
