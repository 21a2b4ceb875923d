from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("batch", "0001_batchjob"),
    ]

    operations = [
        migrations.AddField(
            model_name="batchjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="最近心跳"),
        ),
        migrations.AddField(
            model_name="batchjob",
            name="starts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="开始次数"),
        ),
    ]
