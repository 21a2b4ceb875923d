from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "yundan.orders"
    label = "orders"
    verbose_name = "订单"
