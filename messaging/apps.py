from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "SMS messages"

    def ready(self) -> None:
        from messaging import checks  # noqa: F401 (registers the deploy checks)
