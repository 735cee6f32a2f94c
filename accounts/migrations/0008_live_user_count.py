from django.db import migrations, models

# Statement-level triggers with transition tables: one bulk INSERT of 100,000 users is one
# counter update, and a PATCH that does not change deleted_at updates no counter. The
# function names the counter by the trigger's own schema, whatever the search path.
TALLY = """
CREATE FUNCTION accounts_live_users_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta bigint := 0;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('DELETE FROM %I.accounts_liveusershard', TG_TABLE_SCHEMA);
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT delta + count(*) INTO delta FROM new_rows WHERE deleted_at IS NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT delta - count(*) INTO delta FROM old_rows WHERE deleted_at IS NULL;
    END IF;
    IF delta <> 0 THEN
        EXECUTE format(
            'INSERT INTO %I.accounts_liveusershard AS s (shard, live) VALUES ($1, $2)'
            ' ON CONFLICT (shard) DO UPDATE SET live = s.live + EXCLUDED.live',
            TG_TABLE_SCHEMA
        ) USING pg_backend_pid() % 16, delta;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_user_live_insert AFTER INSERT ON accounts_user
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION accounts_live_users_tally();
CREATE TRIGGER accounts_user_live_update AFTER UPDATE ON accounts_user
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION accounts_live_users_tally();
CREATE TRIGGER accounts_user_live_delete AFTER DELETE ON accounts_user
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION accounts_live_users_tally();
CREATE TRIGGER accounts_user_live_truncate AFTER TRUNCATE ON accounts_user
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_live_users_tally();
INSERT INTO accounts_liveusershard (shard, live)
    SELECT 0, count(*) FROM accounts_user WHERE deleted_at IS NULL;
"""

UNTALLY = """
DROP TRIGGER accounts_user_live_insert ON accounts_user;
DROP TRIGGER accounts_user_live_update ON accounts_user;
DROP TRIGGER accounts_user_live_delete ON accounts_user;
DROP TRIGGER accounts_user_live_truncate ON accounts_user;
DROP FUNCTION accounts_live_users_tally();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_membership_without_duplicate_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="LiveUserShard",
            fields=[
                ("shard", models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ("live", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunSQL(TALLY, UNTALLY),
    ]
