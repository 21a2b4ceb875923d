from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "yundan.tracking"
    label = "tracking"
    verbose_name = "物流轨迹"
