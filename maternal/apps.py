from django.apps import AppConfig


class MaternalConfig(AppConfig):
    name = "maternal"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Maternal health"

    def ready(self) -> None:
        from maternal.sms import keywords  # noqa: F401 (each keyword registers its reply function)
