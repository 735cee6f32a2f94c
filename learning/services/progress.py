"""Progress writes: opened, completed, and the enrolments reports keep for leavers.

The resource comes from learning.selectors.resource_for_learner, so access is decided there.
"""

from django.db.models import F
from django.utils import timezone

from accounts.models import User
from learning import selectors
from learning.models import Enrolment, PathwayStep, Progress, Resource
from learning.services.inputs import LearningRefused


def _progress_row(user: User, resource: Resource) -> Progress:
    progress, created = Progress.objects.get_or_create(user=user, resource=resource)
    if created:
        enrolments_record(user=user, resource=resource)
    return progress


def enrolments_record(*, user: User, resource: Resource) -> None:
    """Note, at a person's first progress on `resource`, which of their shared items it
    belongs to (itself, or pathways with it), with the due date they have now. Reports
    read these to keep a leaver's completion; two queries and one insert."""
    assignments = selectors.assignments_of(user=user)
    pathway_ids = {a.pathway_id for a in assignments if a.pathway_id}
    with_resource = set(
        PathwayStep.objects.filter(resource=resource, pathway_id__in=pathway_ids).values_list(
            "pathway_id", flat=True
        )
    ) if pathway_ids else set()  # fmt: skip
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                user=user,
                resource_id=a.resource_id,
                pathway_id=a.pathway_id,
                received=a.received,
                due=a.due,
            )
            for a in assignments
            if a.resource_id == resource.pk or a.pathway_id in with_resource
        ],
        ignore_conflicts=True,
    )


def progress_open(*, user: User, resource: Resource) -> Progress:
    """Note that the person opened the resource (the first time counts)."""
    progress = _progress_row(user, resource)
    if progress.opened_at is None:
        now = timezone.now()
        Progress.objects.filter(pk=progress.pk, opened_at__isnull=True).update(opened_at=now)
        progress.opened_at = now
    return progress


def progress_complete(*, user: User, resource: Resource, has_quiz: bool) -> Progress:
    """Mark as complete, for resources without a quiz (a quiz completes by its attempts)."""
    if has_quiz:
        raise LearningRefused("This resource is completed by taking its quiz.")
    progress = _progress_row(user, resource)
    enrolments_record(user=user, resource=resource)  # also when shared after it was opened
    now = timezone.now()
    Progress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(
        completed_at=now, opened_at=F("opened_at") if progress.opened_at else now
    )
    progress.refresh_from_db()
    return progress
