from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "yundan.shipping"
    label = "shipping"
    verbose_name = "发货"
