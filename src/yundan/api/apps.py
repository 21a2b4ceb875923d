from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "yundan.api"
    label = "api"
    verbose_name = "REST API"
