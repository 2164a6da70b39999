from django.db import migrations

# A new tenant takes a spare schema by renaming it, inside the transaction that creates the tenant, on
# the runtime role's connection. That role owns no schema (core.dbroles), so the rename runs as this
# function's owner (SECURITY DEFINER), and only that: a recorded spare_ schema to a new, valid name.
CLAIM = r"""
CREATE FUNCTION public.tenants_spare_claim(spare text, target text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF spare NOT LIKE 'spare\_%' OR NOT EXISTS (SELECT 1 FROM public.tenants_spareschema WHERE name = spare) THEN
        RAISE EXCEPTION 'not a spare schema: %', spare USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF target !~ '^[_a-z][_a-z0-9]{0,62}$' OR target LIKE 'pg\_%' OR target LIKE 'spare\_%' OR target = 'public' THEN
        RAISE EXCEPTION 'not a tenant schema name: %', target USING ERRCODE = 'invalid_schema_name';
    END IF;
    EXECUTE format('ALTER SCHEMA %I RENAME TO %I', spare, target);
END;
$$;
REVOKE ALL ON FUNCTION public.tenants_spare_claim(text, text) FROM PUBLIC;
"""

DROP = "DROP FUNCTION IF EXISTS public.tenants_spare_claim(text, text);"


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [migrations.RunSQL(CLAIM, DROP)]
