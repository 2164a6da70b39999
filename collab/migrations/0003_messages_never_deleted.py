from django.db import migrations

# R11: a message is never deleted and its earlier texts are kept; an edit writes a revision first.
# The function names no schema, so it keeps working after a spare schema is renamed.
GUARD = """
CREATE FUNCTION collab_message_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'messages are never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_TABLE_NAME = 'collab_messagerevision' THEN
        RAISE EXCEPTION 'message revisions never change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.thread_id IS DISTINCT FROM OLD.thread_id OR NEW.author_id IS DISTINCT FROM OLD.author_id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION 'a message keeps its thread, author and time' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER collab_message_guard BEFORE UPDATE OR DELETE ON collab_message
    FOR EACH ROW EXECUTE FUNCTION collab_message_guard();
CREATE TRIGGER collab_messagerevision_guard BEFORE UPDATE OR DELETE ON collab_messagerevision
    FOR EACH ROW EXECUTE FUNCTION collab_message_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS collab_messagerevision_guard ON collab_messagerevision;
DROP TRIGGER IF EXISTS collab_message_guard ON collab_message;
DROP FUNCTION IF EXISTS collab_message_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("collab", "0002_discussions")]

    operations = [migrations.RunSQL(GUARD, DROP)]
