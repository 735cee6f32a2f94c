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
# Statement-level, with a transition table: a 100,000-member insert is one locking query.
# Its plan depends on the user table's statistics: on a table bulk-loaded and not yet
# analysed, the join can be planned as a nested loop (minutes for 100,000 new members), so
# analyse after a bulk load of users, before adding them to groups. (Locking by
# `id = ANY(array)` was worse: on a new organisation's table it used an index whose leading
# column is not id.)
LIVE_USERS_ONLY = """
CREATE FUNCTION accounts_membership_live_users_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'WITH locked AS ('
        '    SELECT u.id, u.deleted_at FROM %1$I.accounts_user u'
        '    WHERE u.id IN (SELECT user_id FROM new_members) ORDER BY u.id FOR SHARE'
        ') '
        'DELETE FROM %1$I.accounts_membership m USING locked, new_members n'
        ' WHERE locked.deleted_at IS NOT NULL AND n.user_id = locked.id'
        ' AND m.group_id = n.group_id AND m.user_id = n.user_id',
        TG_TABLE_SCHEMA
    );
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
