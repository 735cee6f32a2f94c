"""At 100,000 users, Entra's lookups are index scans (with sequential scans allowed).

Entra filters by userName, externalId or the work email before every create, and groups by
displayName, so each of these must stay cheap as an organisation grows. The rows are bulk
inserted with INSERT ... SELECT generate_series inside the test's transaction (rolled back),
once for all the lookups, to keep the test at a few seconds.
"""

import time

from django.db import connection
from django_tenants.utils import schema_context

from accounts.models import Group
from accounts.selectors import users_live
from scim.filters import filter_to_q

USERS = 100_000
GROUPS = 100_000


def crowd_acme() -> None:
    """100,000 more users and groups in acme, and fresh planner statistics."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_user (
                id, password, user_name, external_id, active, display_name,
                emails, email, phone_numbers, addresses, role, source,
                created, last_modified, version, session_epoch, is_staff, is_superuser
            )
            SELECT gen_random_uuid(), '!', 'user' || i || '@bulk.test', 'ext-' || i, true,
                'User ' || i,
                jsonb_build_array(
                    jsonb_build_object('value', 'User' || i || '@Bulk.test', 'type', 'work',
                                       'primary', true),
                    jsonb_build_object('value', 'u' || i || '@home.test', 'type', 'home')
                ),
                'User' || i || '@Bulk.test', '[]', '[]', 'member', 'scim',
                now() - i * interval '1 second', now(), 1, 0, false, false
            FROM generate_series(1, %s) AS i
            """,
            [USERS],
        )
        cursor.execute(
            """
            INSERT INTO accounts_group (id, display_name, external_id, created, last_modified,
                                        version)
            SELECT gen_random_uuid(), 'Group ' || i, 'grp-' || i, now(), now(), 1
            FROM generate_series(1, %s) AS i
            """,
            [GROUPS],
        )
        cursor.execute("ANALYZE accounts_user")
        cursor.execute("ANALYZE accounts_group")
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone() == ("on",)


# filter, the index that must serve it, and the one row it finds.
USER_LOOKUPS = [
    ('userName eq "USER77777@bulk.test"', "user_user_name_ci_unique_live", "user77777@bulk.test"),
    ('externalId eq "ext-77777"', "user_external_id_idx", "user77777@bulk.test"),
    (
        'emails[type eq "work"].value eq "user77777@bulk.test"',
        "user_emails_ci_gin",
        "user77777@bulk.test",
    ),
    ('emails.value eq "USER77777@BULK.TEST"', "user_emails_ci_gin", "user77777@bulk.test"),
    # Not the primary email: the index finds it all the same.
    (
        'emails[type eq "home"].value eq "u4242@home.test"',
        "user_emails_ci_gin",
        "user4242@bulk.test",
    ),
]


def test_entra_lookups_are_index_scans_at_100k(acme):
    report = []
    with schema_context("acme"):
        started = time.monotonic()
        crowd_acme()
        report.append(f"loaded {USERS:,} users and {GROUPS:,} groups in "
                      f"{time.monotonic() - started:.1f} s")  # fmt: skip

        for expression, index, user_name in USER_LOOKUPS:
            # As the SCIM list runs it: live users, oldest first, one page.
            page = users_live().filter(filter_to_q(expression, "User")).order_by("created", "id")
            plan = page[:100].explain(analyze=True)
            assert [u.user_name for u in page[:100]] == [user_name], expression
            assert index in plan, f"{expression}\n{plan}"
            assert "Seq Scan" not in plan, f"{expression}\n{plan}"
            report.append(f"{expression}\n{plan}")

        wrong_type = 'emails[type eq "work"].value eq "u4242@home.test"'
        assert list(users_live().filter(filter_to_q(wrong_type, "User"))) == []

        expression = 'displayName eq "group 4242"'
        groups = Group.objects.filter(filter_to_q(expression, "Group")).order_by("created", "id")
        plan = groups[:100].explain(analyze=True)
        assert [g.display_name for g in groups[:100]] == ["Group 4242"]
        assert "group_display_name_ci_idx" in plan, plan
        assert "Seq Scan" not in plan, plan
        report.append(f"{expression}\n{plan}")
    print("\n\n".join(report))
