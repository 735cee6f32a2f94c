"""Reads for organisations and their people."""

from django.db import connection
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Upper

from accounts.models import (
    SETTINGS_ENTRIES,
    AuditEntry,
    Group,
    LiveUserShard,
    Membership,
    Organisation,
    User,
)


def organisation_get(*, slug: str) -> Organisation | None:
    """A fresh read of the organisation's settings (request.tenant is only a routing snapshot)."""
    return Organisation.objects.filter(schema_name=slug).first()


def organisation_slug_available(*, slug: str) -> bool:
    return not Organisation.objects.filter(schema_name=slug).exists()


def users_live() -> QuerySet[User]:
    """People of the current organisation that are not deleted."""
    return User.objects.filter(deleted_at__isnull=True)


_LIVE_COUNT = f"SELECT coalesce(sum(live), 0) FROM {LiveUserShard._meta.db_table}"


def users_live_count() -> int:
    """`users_live().count()` from the tally that triggers keep (accounts.LiveUserShard):
    a sum over at most 16 rows instead of reading every live user's index entry."""
    with connection.cursor() as cursor:
        cursor.execute(_LIVE_COUNT)
        return int(cursor.fetchone()[0])


# --- console reads: every list is ordered and paged in SQL by the caller's Paginator ---

SEARCH_FIELDS = ("user_name", "email", "display_name", "name_given", "name_family")


def users_search(*, query: str = "") -> QuerySet[User]:
    """People for the console list, optionally matching a search on names and email.

    Five per-column matches, kept over one match on the fields joined (measured in
    docs/performance.md, "People text search"): the joined expression was no cheaper to
    scan, and with it PostgreSQL no longer walked the name index for a common term."""
    users = users_live()
    query = query.strip()
    if query:
        condition = Q()
        for field in SEARCH_FIELDS:
            condition |= Q(**{f"{field}__icontains": query})
        users = users.filter(condition)
    return users.order_by(Upper("user_name"), "id")


def user_get(*, user_id: object) -> User | None:
    """A live person of the current organisation by id; other organisations' ids miss."""
    return users_live().select_related("manager").filter(pk=user_id).first()


def user_groups(*, user: User) -> QuerySet[Group]:
    return Group.objects.filter(memberships__user=user).order_by(Upper("display_name"), "id")


def groups_search(*, query: str = "") -> QuerySet[Group]:
    """Groups with their member count, computed only for the rows of the page shown."""
    member_count = (
        Membership.objects.filter(group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(n=Count("*"))
        .values("n")
    )
    groups = Group.objects.annotate(
        member_count=Coalesce(Subquery(member_count, output_field=IntegerField()), Value(0))
    )
    if query.strip():
        groups = groups.filter(display_name__icontains=query.strip())
    return groups.order_by(Upper("display_name"), "id")


def group_get(*, group_id: object) -> Group | None:
    return Group.objects.filter(pk=group_id).first()


def group_members(*, group: Group, query: str = "") -> QuerySet[User]:
    """A group's members (possibly 100,000), for paging with LIMIT/OFFSET."""
    members = users_search(query=query).filter(memberships__group=group)
    return members


def audit_entries(
    *, actions: tuple[str, ...] = (), target: str | None = None
) -> QuerySet[AuditEntry]:
    """Audit entries, newest first; `actions` are prefixes such as "scim_token."; `target`:
    about whom (a person's History, index audit_entry_target_at_idx)."""
    entries = AuditEntry.objects.all()
    if actions:
        condition = Q()
        for prefix in actions:
            condition |= Q(action__startswith=prefix)
        entries = entries.filter(condition)
        if not any(p.startswith(("user.", "group.")) for p in actions):
            # Implied by the prefixes; said so the partial index of these entries is used.
            entries = entries.filter(SETTINGS_ENTRIES)
    if target is not None:
        entries = entries.filter(target=target)
    return entries.order_by("-at", "-id")
