from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "spa.core"
    label = "core"
