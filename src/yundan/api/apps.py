from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_feed(sender, using, **kwargs):
    from yundan.api.feed import backfill, install_triggers

    install_triggers(using)
    backfill(using)


class ApiConfig(AppConfig):
    name = "yundan.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self):
        # After every migrate: a migration that rebuilds a watched table (SQLite) drops its triggers.
        post_migrate.connect(_install_feed, sender=self, dispatch_uid="yundan.api.feed")
