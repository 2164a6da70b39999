from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('interagency', '0002_hub'),
    ]

    operations = [
        migrations.AddField(
            model_name='federationpeer',
            name='mode',
            field=models.CharField(choices=[('push', 'Gửi đi (push)'), ('pull', 'Chờ trục kia lấy về (pull)')], default='push', max_length=8, verbose_name='cách chuyển'),
        ),
    ]
