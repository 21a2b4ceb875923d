from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "yundan.integrations"
    verbose_name = "对接"
