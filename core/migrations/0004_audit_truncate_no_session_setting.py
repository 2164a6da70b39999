from django.db import migrations

# TRUNCATE used to pass when a session setting said "test-database", a setting any role may set.
# Now only a database its owner marked with a comment (conftest.py marks the test databases) lets
# TRUNCATE through: COMMENT ON DATABASE takes the database's owner, who may disable the trigger
# anyway, and the runtime role holds no TRUNCATE privilege at all (core.dbroles).
NO_TRUNCATE = """
CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND shobj_description(
        (SELECT oid FROM pg_database WHERE datname = current_database()), 'pg_database'
    ) = 'tinhso test database' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('tinhso.audit_truncate', true) = 'test-database' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_no_truncate")]

    operations = [migrations.RunSQL(NO_TRUNCATE, PREVIOUS)]
