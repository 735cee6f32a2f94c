from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "looop.jobs"
    label = "jobs"
