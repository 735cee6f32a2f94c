"""Campaigns: automated onboarding that follows the directory, and share notices."""

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from campaigns import jobs, subscribers  # noqa: F401 (registers tasks and the hook)
