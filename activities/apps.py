from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ActivitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "activities"
    verbose_name = "Technical assistance"

    def ready(self):
        from . import answer_cache
        from .rollups import triggers as rollup_triggers

        # The triggers that keep cached answers fresh, on every table, after every migrate.
        post_migrate.connect(answer_cache.install, sender=self, dispatch_uid="data_version")
        # The triggers that note which activities' rollups a write made stale.
        post_migrate.connect(
            lambda sender=None, using="default", **kwargs: rollup_triggers.install(using),
            sender=self,
            dispatch_uid="rollup_changes",
            weak=False,
        )
