"""Reads for organisations and their people."""

from django.db import connection
from django.db.models import (
    Count,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
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
# Between the fields of the searched text: a character nobody types, so a term never
# matches across two fields.
_SEPARATOR = "\x1f"


def users_search(*, query: str = "") -> QuerySet[User]:
    """People for the console list, optionally matching a search on names and email.

    A person matches when any of SEARCH_FIELDS contains the text, case-insensitively. It is
    tested as one UPPER(concat_ws(…)) LIKE on the fields joined by _SEPARATOR, not as five
    per column: the same matches, for about half the CPU of the scan a substring search
    needs (docs/performance.md, "People text search")."""
    users = users_live()
    query = query.strip()
    if query:
        if _SEPARATOR in query:
            return users.none()  # no field holds it
        text = Func(
            Value(_SEPARATOR), *SEARCH_FIELDS, function="concat_ws", output_field=TextField()
        )
        users = users.alias(search_text=text).filter(search_text__icontains=query)
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
