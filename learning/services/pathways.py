"""Writes for pathways and their ordered steps."""

from django.db import transaction

from learning import limits
from learning.models import Pathway, PathwayStep, Resource
from learning.services.inputs import LearningRefused, next_position, swap, text_field


def pathway_create(
    *,
    name: str,
    description: str = "",
    enforce_order: bool = False,
    lock_until_passed: bool = False,
) -> Pathway:
    return Pathway.objects.create(
        name=text_field(name, field="Name", max_length=limits.TITLE_MAX),
        description=text_field(
            description, field="Description", max_length=limits.DESCRIPTION_MAX, required=False
        ),
        enforce_order=enforce_order,
        lock_until_passed=lock_until_passed,
    )


def pathway_update(
    *, pathway: Pathway, name: str, description: str, enforce_order: bool, lock_until_passed: bool
) -> Pathway:
    pathway.name = text_field(name, field="Name", max_length=limits.TITLE_MAX)
    pathway.description = text_field(
        description, field="Description", max_length=limits.DESCRIPTION_MAX, required=False
    )
    pathway.enforce_order = enforce_order
    pathway.lock_until_passed = lock_until_passed
    pathway.save()
    return pathway


@transaction.atomic
def pathway_step_add(*, pathway: Pathway, resource: Resource) -> PathwayStep:
    """Append a published resource (from any workspace) to the pathway."""
    Pathway.objects.select_for_update().filter(pk=pathway.pk).first()
    if not resource.is_published:
        raise LearningRefused("Only published resources can be added to a pathway.")
    if pathway.steps.count() >= limits.RESOURCES_PER_PATHWAY_MAX:
        raise LearningRefused(
            f"A pathway has at most {limits.RESOURCES_PER_PATHWAY_MAX} resources."
        )
    if pathway.steps.filter(resource=resource).exists():
        raise LearningRefused("That resource is already in the pathway.")
    return PathwayStep.objects.create(
        pathway=pathway, resource=resource, position=next_position(pathway.steps.all())
    )


def pathway_step_remove(*, step: PathwayStep) -> None:
    step.delete()


@transaction.atomic
def pathway_step_move(*, step: PathwayStep, offset: int) -> None:
    steps = list(PathwayStep.objects.select_for_update().filter(pathway_id=step.pathway_id))
    swap(steps, step.pk, offset)
