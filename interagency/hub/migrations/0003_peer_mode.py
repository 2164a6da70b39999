# Moved from the `interagency` app (split into edxml, hub and exchange): same operations, same tables.
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('interagency', '0003_peer_mode')]

    dependencies = [
        ('hub', '0002_hub'),
    ]

    operations = [
        migrations.AddField(
            model_name='federationpeer',
            name='mode',
            field=models.CharField(choices=[('push', 'Gửi đi (push)'), ('pull', 'Chờ trục kia lấy về (pull)')], default='push', max_length=8, verbose_name='cách chuyển'),
        ),
    ]
