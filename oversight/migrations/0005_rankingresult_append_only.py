from django.db import migrations

# A published ranking is frozen: no UPDATE or DELETE, like the audit ledger (0002).
APPEND_ONLY = """
CREATE FUNCTION oversight_rankingresult_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND shobj_description(
        (SELECT oid FROM pg_database WHERE datname = current_database()), 'pg_database'
    ) = 'tinhso test database' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'a published ranking is frozen (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER oversight_rankingresult_frozen BEFORE UPDATE OR DELETE ON oversight_rankingresult
    FOR EACH ROW EXECUTE FUNCTION oversight_rankingresult_frozen();
CREATE TRIGGER oversight_rankingresult_no_truncate BEFORE TRUNCATE ON oversight_rankingresult
    FOR EACH STATEMENT EXECUTE FUNCTION oversight_rankingresult_frozen();
"""

DROP = """
DROP TRIGGER IF EXISTS oversight_rankingresult_no_truncate ON oversight_rankingresult;
DROP TRIGGER IF EXISTS oversight_rankingresult_frozen ON oversight_rankingresult;
DROP FUNCTION IF EXISTS oversight_rankingresult_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("oversight", "0004_ranking")]

    operations = [migrations.RunSQL(APPEND_ONLY, DROP)]
