"""A pathway's progress for one person, derived from their Progress rows and never stored:
each step's state (locked, open, completed, passed) under "enforce order" and "lock until
passed"."""

import uuid
from dataclasses import dataclass
from typing import Literal

from django.db.models import Exists, OuterRef

from accounts.models import User
from learning.models import Element, Pathway, PathwayStep, Progress, Resource

StepStateName = Literal["locked", "open", "completed", "passed"]


@dataclass(frozen=True)
class StepView:
    resource: Resource
    state: StepStateName
    done: bool
    after: Resource | None = None  # for a locked step: the step to complete first


@dataclass(frozen=True)
class PathwayView:
    pathway: Pathway
    steps: list[StepView]

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def next_step(self) -> StepView | None:
        """Where to continue: the first step that is open and not done."""
        return next((s for s in self.steps if not s.done and s.state != "locked"), None)

    def state_of(self, resource_id: uuid.UUID) -> StepStateName | None:
        return next((s.state for s in self.steps if s.resource.pk == resource_id), None)


def step_counts_as_done(pathway: Pathway, resource: Resource, progress: Progress | None) -> bool:
    """With "lock until passed", a resource with a quiz counts only once passed."""
    if progress is None:
        return False
    if pathway.lock_until_passed and getattr(resource, "has_quiz", False):
        return progress.passed_at is not None
    return progress.completed_at is not None


def steps_view(
    pathway: Pathway, resources: list[Resource], progress: dict[uuid.UUID, Progress]
) -> PathwayView:
    steps: list[StepView] = []
    previous_done = True
    for resource in resources:
        row = progress.get(resource.pk)
        done = step_counts_as_done(pathway, resource, row)
        state: StepStateName
        if row is not None and row.passed_at is not None:
            state = "passed" if done else "open"
        elif done:
            state = "completed"
        elif pathway.enforce_order and not previous_done:
            state = "locked"
        else:
            state = "open"
        after = steps[-1].resource if state == "locked" else None
        steps.append(StepView(resource=resource, state=state, done=done, after=after))
        previous_done = done
    return PathwayView(pathway=pathway, steps=steps)


def pathway_resources(pathway_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Resource]]:
    """Each pathway's published resources in order (one query)."""
    steps = (
        PathwayStep.objects.filter(
            pathway_id__in=pathway_ids, resource__status=Resource.Status.PUBLISHED
        )
        .select_related("resource")
        .annotate(
            has_quiz=Exists(
                Element.objects.filter(resource=OuterRef("resource_id"), kind=Element.Kind.QUIZ)
            )
        )
        .order_by("pathway_id", "position", "id")
    )
    by_pathway: dict[uuid.UUID, list[Resource]] = {pid: [] for pid in pathway_ids}
    for step in steps:
        step.resource.has_quiz = step.has_quiz
        by_pathway[step.pathway_id].append(step.resource)
    return by_pathway


def progress_of(*, user: User, resource_ids: list[uuid.UUID]) -> dict[uuid.UUID, Progress]:
    rows = Progress.objects.filter(user=user, resource_id__in=resource_ids)
    return {row.resource_id: row for row in rows}


def pathway_view(*, user: User, pathway: Pathway) -> PathwayView:
    resources = pathway_resources([pathway.pk])[pathway.pk]
    progress = progress_of(user=user, resource_ids=[r.pk for r in resources])
    return steps_view(pathway, resources, progress)
