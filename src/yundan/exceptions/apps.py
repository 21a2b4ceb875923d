from django.apps import AppConfig


class ExceptionsConfig(AppConfig):
    name = "yundan.exceptions"
    label = "exceptions"
    verbose_name = "异常件"
