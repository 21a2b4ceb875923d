from django.apps import AppConfig


class YundanConfig(AppConfig):
    name = "yundan"
    verbose_name = "运单 yundan"
