from django.apps import AppConfig


class MaternalConfig(AppConfig):
    name = "maternal"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Maternal health"
