from django.db import migrations

# Memberships of deleted users left by the race that migration 0009 closes: dropped, and
# their groups' versions (SCIM ETags) and lastModified move on, as a member removal does.
REPAIR = """
WITH orphans AS (
    DELETE FROM accounts_membership m USING accounts_user u
    WHERE u.id = m.user_id AND u.deleted_at IS NOT NULL
    RETURNING m.group_id
)
UPDATE accounts_group g SET version = g.version + 1, last_modified = now()
WHERE g.id IN (SELECT group_id FROM orphans);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_user_manager_unresolved"),
    ]

    operations = [
        migrations.RunSQL(REPAIR, migrations.RunSQL.noop, hints={"model_name": "membership"})
    ]
