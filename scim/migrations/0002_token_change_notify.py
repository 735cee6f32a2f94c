from django.db import migrations

# Every process caches usable tokens (scim/token_cache.py); this tells them all, at commit,
# that a token of this schema changed. Writing `last_used_at` alone (once a minute per
# token) is not a change that matters to them, so it stays silent.
NOTIFY = """
CREATE FUNCTION scim_token_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('looop_scim_token', TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$;
CREATE TRIGGER scim_token_update AFTER UPDATE ON scim_scimtoken FOR EACH ROW
    WHEN (to_jsonb(OLD) - 'last_used_at' IS DISTINCT FROM to_jsonb(NEW) - 'last_used_at')
    EXECUTE FUNCTION scim_token_changed();
CREATE TRIGGER scim_token_delete AFTER DELETE ON scim_scimtoken
    FOR EACH STATEMENT EXECUTE FUNCTION scim_token_changed();
CREATE TRIGGER scim_token_truncate AFTER TRUNCATE ON scim_scimtoken
    FOR EACH STATEMENT EXECUTE FUNCTION scim_token_changed();
"""

SILENCE = """
DROP TRIGGER scim_token_update ON scim_scimtoken;
DROP TRIGGER scim_token_delete ON scim_scimtoken;
DROP TRIGGER scim_token_truncate ON scim_scimtoken;
DROP FUNCTION scim_token_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("scim", "0001_initial"),
    ]

    operations = [migrations.RunSQL(NOTIFY, SILENCE)]
