from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "yundan.console"
    label = "console"
    verbose_name = "商家控制台"
