"""Campaigns: automated onboarding that follows the directory, and share notices."""

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from campaigns import jobs, subscribers  # noqa: F401 (registers tasks and the hook)
        from campaigns.interest import interest_forget
        from learning.models import Share

        # A new group share makes its group's later joiners due a notice: listen from now.
        post_save.connect(
            lambda **kwargs: interest_forget(), sender=Share, weak=False, dispatch_uid="interest"
        )
