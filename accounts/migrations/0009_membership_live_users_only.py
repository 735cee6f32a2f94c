from django.db import migrations

# A user being deleted can never stay a member, whoever writes the membership.
#
# The race: a soft delete locks the user row FOR NO KEY UPDATE, drops its memberships and
# sets deleted_at. A member add that read the user as live inserts its row; the foreign
# key's check locks the user FOR KEY SHARE, which does not wait for FOR NO KEY UPDATE, so
# the add commits a membership of a user that is now deleted (9 in 50 contended rounds).
#
# This trigger, after each INSERT statement into the membership table, locks the new
# members' user rows FOR SHARE, which waits for a delete in progress to commit and then
# reads the committed deleted_at (READ COMMITTED re-reads a row it waited for), and removes
# the rows of deleted users. An add that commits first holds its FOR SHARE lock until
# commit, so the delete waits for it and then sees, and drops, the new membership.
#
# Lock order: an add holds its group row, then takes the users; a delete holds its user,
# then takes the groups the user is already in, which an add of a new member does not hold.
# Statement-level, with a transition table: a 100,000-member insert is one locking query, an
# index scan by primary key whatever the statistics say (a join with the transition table was
# planned as a nested loop on a freshly loaded table: minutes), and a DELETE only when a new
# member is deleted. The locks live in a CTE, which PostgreSQL never inlines: a subquery in
# FROM took the outer `deleted_at IS NOT NULL` as its own filter and locked nothing. The
# deferred foreign-key check at commit then finds each row already locked by its own
# transaction, so adding 100,000 members costs what it did (committed, three runs each:
# 3.09, 3.23, 2.79 s without the trigger; 4.19, 3.15, 2.74 s with it).
LIVE_USERS_ONLY = """
CREATE FUNCTION accounts_membership_live_users_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gone uuid[];
BEGIN
    EXECUTE format(
        'WITH locked AS ('
        '    SELECT id, deleted_at FROM %I.accounts_user'
        '    WHERE id = ANY(ARRAY(SELECT user_id FROM new_members)) FOR SHARE'
        ') SELECT array_agg(id) FROM locked WHERE deleted_at IS NOT NULL',
        TG_TABLE_SCHEMA
    ) INTO gone;
    IF gone IS NOT NULL THEN
        EXECUTE format(
            'DELETE FROM %I.accounts_membership m USING new_members n'
            ' WHERE n.user_id = ANY($1) AND m.group_id = n.group_id AND m.user_id = n.user_id',
            TG_TABLE_SCHEMA
        ) USING gone;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_membership_live_users_only AFTER INSERT ON accounts_membership
    REFERENCING NEW TABLE AS new_members FOR EACH STATEMENT
    EXECUTE FUNCTION accounts_membership_live_users_only();
"""

DROP = """
DROP TRIGGER accounts_membership_live_users_only ON accounts_membership;
DROP FUNCTION accounts_membership_live_users_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_live_user_count"),
    ]

    # Organisation schemas only: the public schema has no membership table.
    operations = [migrations.RunSQL(LIVE_USERS_ONLY, DROP, hints={"model_name": "membership"})]
