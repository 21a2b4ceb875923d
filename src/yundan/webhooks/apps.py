from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "yundan.webhooks"
    verbose_name = "Webhook 推送"
