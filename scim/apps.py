from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "scim"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from scim.response_memory import malloc_tune

        malloc_tune()  # before any large response (scim/response_memory.py)
