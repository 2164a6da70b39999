from django.db import migrations

# The ledger is append-only like the audit trail it seals (core/migrations/0002 to 0004).
APPEND_ONLY = """
CREATE FUNCTION oversight_auditanchor_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND shobj_description(
        (SELECT oid FROM pg_database WHERE datname = current_database()), 'pg_database'
    ) = 'tinhso test database' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit ledger is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER oversight_auditanchor_append_only BEFORE UPDATE OR DELETE ON oversight_auditanchor
    FOR EACH ROW EXECUTE FUNCTION oversight_auditanchor_append_only();
CREATE TRIGGER oversight_auditanchor_no_truncate BEFORE TRUNCATE ON oversight_auditanchor
    FOR EACH STATEMENT EXECUTE FUNCTION oversight_auditanchor_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS oversight_auditanchor_no_truncate ON oversight_auditanchor;
DROP TRIGGER IF EXISTS oversight_auditanchor_append_only ON oversight_auditanchor;
DROP FUNCTION IF EXISTS oversight_auditanchor_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial")]

    operations = [migrations.RunSQL(APPEND_ONLY, DROP)]
