from django.urls import path

from extraction.views import assignments, builder, entry, outputs, overview, reconcile

app_name = "extraction"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("form/", builder.form_builder, name="form"),
    path("assignments/", assignments.assignments, name="assignments"),
    path("assignments/balance/", assignments.balance, name="balance"),
    path("studies/<int:pk>/plan/", assignments.plan, name="plan"),
    path("studies/<int:pk>/extract/", entry.extract, name="extract"),
    path("studies/<int:pk>/appraise/", entry.appraise, name="appraise"),
    path("studies/<int:pk>/extract/reconcile/", reconcile.reconcile_extraction, name="reconcile_extraction"),
    path("studies/<int:pk>/appraise/reconcile/", reconcile.reconcile_appraisal, name="reconcile_appraisal"),
    path("discrepancies/<int:pk>/resolve/", reconcile.resolve, name="resolve"),
    path("consensus/<int:pk>/lock/", reconcile.lock, name="lock"),
    path("lock-agreed/<str:kind>/", reconcile.lock_agreed, name="lock_agreed"),
    path("consensus/<int:pk>/unlock/", reconcile.unlock, name="unlock"),
    path("consensus/<int:pk>/correct/", reconcile.correct, name="correct"),
    path("outputs/", outputs.outputs, name="outputs"),
    path("outputs/plot/", outputs.plot, name="plot"),
    path("outputs/<str:name>", outputs.download, name="download"),
]
