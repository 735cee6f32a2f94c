from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    default_auto_field = "django.db.models.BigAutoField"
