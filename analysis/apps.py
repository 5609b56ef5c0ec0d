from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "analysis"
    verbose_name = "Meta-analysis"

    def ready(self):
        from analysis import home
        from review import home as review_home

        review_home.register(todos=home.todos, steps=home.steps)
