"""Learning's item on an admin's setup checklist (accounts/selectors_home.py)."""

from dataclasses import replace

from django.urls import reverse

from accounts.selectors_home import ChecklistItem, HomeSetup
from learning.models import Resource, Share


def content_item() -> ChecklistItem:
    """Done once something is published and shared: until then learners see nothing."""
    published = Resource.objects.filter(status=Resource.Status.PUBLISHED).count()
    shared = Share.objects.exists()
    status = (
        f"{published} published resource{'s' if published != 1 else ''};"
        f" {'something is' if shared else 'nothing is'} shared yet."
        if not (published and shared)
        else f"{published} published resource{'s' if published != 1 else ''}, shared."
    )
    return ChecklistItem(
        "learning", "Learning content created and shared", bool(published and shared), status,
        "Build and share content" if not (published and shared) else "See reports",
        reverse("learning_console"),
    )  # fmt: skip


def with_learning(setup: HomeSetup) -> HomeSetup:
    return replace(setup, items=[*setup.items, content_item()])
