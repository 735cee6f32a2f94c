"""Reads for the admin home page: the setup checklist and, once it is done, a summary."""

from dataclasses import dataclass

from django.urls import reverse

from accounts.models import Organisation
from scim.selectors import ProvisioningSummary, provisioning_summary, scim_tokens_active_count


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    title: str
    done: bool
    status: str  # where the organisation stands, in a sentence
    action_label: str  # what completes the item
    action_url: str


@dataclass(frozen=True)
class HomeSetup:
    items: list[ChecklistItem]
    summary: ProvisioningSummary
    active_tokens: int
    microsoft_enabled: bool
    microsoft_connected: bool

    @property
    def done(self) -> bool:
        return all(item.done for item in self.items)

    @property
    def done_count(self) -> int:
        return sum(item.done for item in self.items)


def _microsoft_item(organisation: Organisation) -> ChecklistItem:
    url = reverse("account_authentication")
    if not organisation.microsoft_enabled:
        status, label = "Microsoft sign-in is off.", "Switch on Microsoft sign-in"
    elif not organisation.entra_tenant_id:
        status, label = "Microsoft sign-in is on but not connected.", "Connect Microsoft Entra ID"
    else:
        status, label = "Microsoft sign-in is on and connected.", "Review authentication"
    done = organisation.microsoft_enabled and bool(organisation.entra_tenant_id)
    return ChecklistItem("microsoft", "Microsoft sign-in", done, status, label, url)


def _requests_item(summary: ProvisioningSummary) -> ChecklistItem:
    activity = reverse("account_provisioning") + "#activity-heading"
    if summary.last_request_at is None:
        return ChecklistItem(
            "requests", "SCIM requests", False,
            "Entra has not called the SCIM endpoint yet.",
            "Start provisioning in Entra", reverse("help_microsoft"),
        )  # fmt: skip
    when = f"{summary.last_request_at:%-d %b %Y, %H:%M} UTC"
    if summary.errors_last_24h:
        n = summary.errors_last_24h
        return ChecklistItem(
            "requests", "SCIM requests", False,
            f"Last request {when}; {n} error{'s' if n != 1 else ''} in the last 24 hours.",
            "See the errors", reverse("account_provisioning") + "?status=errors#activity-heading",
        )  # fmt: skip
    return ChecklistItem(
        "requests", "SCIM requests", True,
        f"Last request {when}; no errors in the last 24 hours.",
        "See provisioning activity", activity,
    )  # fmt: skip


def home_setup(*, organisation: Organisation) -> HomeSetup:
    """Where an organisation stands in setting Looop up, each item with what completes it.

    A handful of small queries (the live-user count reads the trigger-kept tally)."""
    summary = provisioning_summary()
    tokens = scim_tokens_active_count()
    provisioning = reverse("account_provisioning")
    token_item = ChecklistItem(
        "token", "SCIM token", tokens > 0,
        f"{tokens} active token{'s' if tokens != 1 else ''}." if tokens else "No active token.",
        "Create a token" if not tokens else "Manage tokens", provisioning + "#create-heading",
    )  # fmt: skip
    provisioned = summary.users > 0 and summary.groups > 0
    people_item = ChecklistItem(
        "provisioned", "People and groups provisioned", provisioned,
        f"{summary.users} provisioned {'person' if summary.users == 1 else 'people'},"
        f" {summary.groups} group{'s' if summary.groups != 1 else ''}.",
        "Assign people and groups in Entra" if not provisioned else "See people",
        reverse("help_microsoft") if not provisioned else reverse("people_list"),
    )  # fmt: skip
    return HomeSetup(
        items=[_microsoft_item(organisation), token_item, _requests_item(summary), people_item],
        summary=summary,
        active_tokens=tokens,
        microsoft_enabled=organisation.microsoft_enabled,
        microsoft_connected=bool(organisation.entra_tenant_id),
    )
