from django.conf import settings
from django.db import models


class UserPreference(models.Model):
    """What a console user chose for themselves: the interface language (Chinese first)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    language = models.CharField("界面语言", max_length=10, choices=settings.LANGUAGES, default="zh-hans")

    class Meta:
        verbose_name = "用户偏好"
