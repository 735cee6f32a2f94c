"""Share notices (one per person who receives a share, joiners included) and reminders
(N days before the due date, and overdue), each at most once per person."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from accounts.actors import SYSTEM
from accounts.models import Membership, User
from accounts.services import group_members_add
from campaigns.models import ShareNotice
from campaigns.notices import notices_sweep, reminders_sweep, share_reminders_set
from learning.models import Progress
from learning.services import share_create
from looop.mail.models import OutgoingEmail
from tests.campaigns.conftest import person, published

pytestmark = pytest.mark.django_db


def subjects(address: str) -> list[str]:
    rows = OutgoingEmail.objects.filter(to_address=address).order_by("created")
    return [row.context["subject"] for row in rows]


def test_a_group_share_notifies_members_and_later_joiners_once(in_acme, sales_group):
    bob, cy = person("bob@acme.test"), person("cy@acme.test")
    group_members_add(group=sales_group, user_ids=[bob.pk], actor=SYSTEM)
    resource = published("Pricing 101")
    share = share_create(target=resource, group=sales_group, due="fixed", due_date=date(2027, 1, 8))
    assert notices_sweep() == 1
    assert notices_sweep() == 0
    group_members_add(group=sales_group, user_ids=[cy.pk], actor=SYSTEM)
    assert notices_sweep() == 1
    assert (
        subjects("bob@acme.test")
        == subjects("cy@acme.test")
        == ["Acme shared “Pricing 101” with you"]
    )
    text = OutgoingEmail.objects.get(to_address="cy@acme.test").context["text"]
    assert text == (
        "“Pricing 101” was shared with you by Acme.\n\nDue: Friday 08 January 2027.\n\n"
        f"Open it: http://acme.looop.localhost/learn/resources/{resource.pk}"
    )
    assert ShareNotice.objects.filter(share=share).count() == 2


def test_old_shares_and_deactivated_people_get_no_notice(in_acme, sales_group):
    off = person("off@acme.test", active=False)
    old = person("old@acme.test")
    share_create(target=published("Old"), user=old)
    share_create(target=published("New"), user=off)
    assert notices_sweep(now=datetime.now(UTC) + timedelta(days=10)) == 0  # outside the window
    assert notices_sweep() == 1  # old's, not the deactivated person's
    assert subjects("off@acme.test") == []


def test_reminders_before_the_due_date_and_when_overdue_once_each(in_acme):
    dee, fin = person("dee@acme.test"), person("fin@acme.test")
    resource = published("Safety")
    due = date(2027, 1, 8)
    shares = [share_create(target=resource, user=p, due="fixed", due_date=due) for p in (dee, fin)]
    for share in shares:
        share_reminders_set(share=share, days_before=2, when_overdue=True)
    Progress.objects.create(user=fin, resource=resource, completed_at=datetime.now(UTC))
    at = lambda day: datetime(2027, 1, day, 12, tzinfo=UTC)  # noqa: E731
    assert reminders_sweep(now=at(5)) == 0  # three days before
    assert reminders_sweep(now=at(6)) == 1
    assert reminders_sweep(now=at(7)) == 0  # once
    assert reminders_sweep(now=at(8)) == 0  # due today is not overdue yet
    assert reminders_sweep(now=at(9)) == 1
    assert reminders_sweep(now=at(20)) == 0
    assert subjects("dee@acme.test") == [
        "Reminder: “Safety” is due soon",
        "Reminder: “Safety” is overdue",
    ]
    assert subjects("fin@acme.test") == []  # finished: no reminders


def test_group_share_reminders_count_from_each_members_joining(in_acme, sales_group):
    bob, cy, off = person("bob@acme.test"), person("cy@acme.test"), person("off@acme.test")
    group_members_add(group=sales_group, user_ids=[bob.pk, cy.pk, off.pk], actor=SYSTEM)
    share = share_create(target=published("Safety"), group=sales_group, due="after", due_days=10)
    share_reminders_set(share=share, days_before=3, when_overdue=False)
    Membership.objects.filter(group=sales_group, user=cy).update(
        created=share.created + timedelta(days=4)
    )
    User.objects.filter(pk=off.pk).update(active=False)  # no reminder for the deactivated
    day_0 = share.created.astimezone(UTC).date()

    def on(day: int) -> datetime:
        return datetime.combine(day_0 + timedelta(days=day), time(12), tzinfo=UTC)

    assert reminders_sweep(now=on(6)) == 0
    assert reminders_sweep(now=on(7)) == 1  # bob: due on day 10
    assert reminders_sweep(now=on(10)) == 0
    assert reminders_sweep(now=on(11)) == 1  # cy joined on day 4: due on day 14
    assert reminders_sweep(now=on(30)) == 0  # no overdue reminder set; each once
    assert (
        subjects("bob@acme.test") == subjects("cy@acme.test") == ["Reminder: “Safety” is due soon"]
    )
    assert subjects("off@acme.test") == []
    assert sorted(ShareNotice.objects.filter(share=share).values_list("kind", flat=True)) == [
        "before_due",
        "before_due",
    ]
