from django.apps import AppConfig


class CarriersConfig(AppConfig):
    name = "yundan.carriers"
    label = "carriers"
    verbose_name = "承运商"
