from django.db import migrations

# TRUNCATE skips row triggers: refuse it too, so the trail cannot be emptied and start again.
# The one way past it is a database-level setting a test database is given on purpose
# (conftest.py); production databases never have it.
NO_TRUNCATE = """
CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('tinhso.audit_truncate', true) = 'test-database' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_append_only();
"""

DROP = "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;"


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]

    operations = [migrations.RunSQL(NO_TRUNCATE, DROP)]
