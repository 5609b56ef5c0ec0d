from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Reviews, records and screening"

    def ready(self):
        import review.home  # noqa: F401  (registers screening's to-dos and steps first)
