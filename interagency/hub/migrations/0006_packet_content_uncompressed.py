"""A packet's bytes are kept out of line without PostgreSQL's compression (STORAGE EXTERNAL).

They are mostly base64 of files that are compressed already (scans, PDFs, ZIPs): pglz ran over
every 140 KB packet and gave up, some 2.5 ms of the server's CPU per write, for the same size on
disk. Only rows written from now on are affected; the old ones stay as they are."""

from django.db import migrations

TABLE = "interagency_hubpacket"


class Migration(migrations.Migration):
    dependencies = [
        ("hub", "0005_peer_protocol"),
    ]

    operations = [
        migrations.RunSQL(
            f"ALTER TABLE {TABLE} ALTER COLUMN content SET STORAGE EXTERNAL",
            reverse_sql=f"ALTER TABLE {TABLE} ALTER COLUMN content SET STORAGE EXTENDED",
        ),
    ]
