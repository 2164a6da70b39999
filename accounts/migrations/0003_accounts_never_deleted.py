from django.db import migrations

# R8/R10: an account is never deleted and its name never changes; deactivation keeps history.
# The function names no schema, so it keeps working after a spare schema is renamed.
GUARD = """
CREATE FUNCTION accounts_user_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'accounts are never deleted; deactivate instead' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.username IS DISTINCT FROM OLD.username THEN
        RAISE EXCEPTION 'an account name never changes' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER accounts_user_guard BEFORE UPDATE OR DELETE ON accounts_user
    FOR EACH ROW EXECUTE FUNCTION accounts_user_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS accounts_user_guard ON accounts_user;
DROP FUNCTION IF EXISTS accounts_user_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_units_roles_login_security")]

    operations = [migrations.RunSQL(GUARD, DROP)]
