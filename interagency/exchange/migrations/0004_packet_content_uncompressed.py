"""A packet's bytes are kept out of line without PostgreSQL's compression (STORAGE EXTERNAL), in
the outbox and the inbox (see hub 0006: pglz gave up on every packet, ~2.5 ms of the server's CPU
per 140 KB write, for the same size on disk). Only rows written from now on are affected."""

from django.db import migrations

TABLES = ("interagency_outboxentry", "interagency_inboxitem")


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0003_received_numbers"),
    ]

    operations = [
        migrations.RunSQL(
            [f"ALTER TABLE {table} ALTER COLUMN content SET STORAGE EXTERNAL" for table in TABLES],
            reverse_sql=[
                f"ALTER TABLE {table} ALTER COLUMN content SET STORAGE EXTENDED" for table in TABLES
            ],
        ),
    ]
