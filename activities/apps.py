from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ActivitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "activities"
    verbose_name = "Technical assistance"

    def ready(self):
        from . import answer_cache

        # The triggers that keep cached answers fresh, on every table, after every migrate.
        post_migrate.connect(answer_cache.install, sender=self, dispatch_uid="data_version")
        # The triggers that note which activities' rollups a write made stale, and the
        # rollups made again (a migration may have changed anything).
        post_migrate.connect(_install_rollups, sender=self, dispatch_uid="rollup_changes")


def _install_rollups(sender=None, using: str = "default", **kwargs) -> None:
    from . import rollups
    from .rollups import triggers

    triggers.install(using)
    rollups.rebuild(using)
