from django.apps import AppConfig


class ExtractionConfig(AppConfig):
    name = "extraction"
    verbose_name = "Data extraction and quality appraisal"

    def ready(self):
        from extraction.blinding import ExtractionWork
        from review.blinding import register_work_source

        register_work_source(ExtractionWork())
