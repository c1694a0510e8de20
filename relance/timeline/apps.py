from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "relance.timeline"
    label = "timeline"
