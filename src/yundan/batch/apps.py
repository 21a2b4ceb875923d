from django.apps import AppConfig


class BatchConfig(AppConfig):
    name = "yundan.batch"
    label = "batch"
    verbose_name = "批量处理"
