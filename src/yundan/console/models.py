from django.conf import settings
from django.db import models


class UserPreference(models.Model):
    """What a console user chose for themselves: the interface language (Chinese first)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    language = models.CharField("界面语言", max_length=10, choices=settings.LANGUAGES, default="zh-hans")

    class Meta:
        verbose_name = "用户偏好"


class DashboardSnapshot(models.Model):
    """The 看板's numbers as last computed (console.dashboard_snapshot): the page reads this one row
    instead of counting a million orders on every view. Only the newest is kept."""

    computed_at = models.DateTimeField("计算时间")
    seconds = models.FloatField("计算用时(秒)")
    numbers = models.JSONField("数据")

    class Meta:
        verbose_name = "看板数据"
