from django.urls import path

from analysis.views import analyses, downloads, report

app_name = "analysis"

urlpatterns = [
    path("", analyses.analysis_list, name="list"),
    path("new/", analyses.analysis_new, name="new"),
    path("run/", analyses.run_all, name="run_all"),
    path("report/", report.review_report, name="report"),
    path("report/arrange/", analyses.report_arrange, name="report_arrange"),
    path("pooled.<str:fmt>", downloads.review_table, name="review_table"),
    path("<int:pk>/", analyses.analysis_detail, name="detail"),
    path("<int:pk>/edit/", analyses.analysis_edit, name="edit"),
    path("<int:pk>/delete/", analyses.analysis_delete, name="delete"),
    path("<int:pk>/run/", analyses.analysis_run, name="run"),
    path("<int:pk>/pooled.<str:fmt>", downloads.table, name="table"),
    path("<int:pk>/data.csv", downloads.dataset, name="dataset"),
    path("<int:pk>/reproduce.R", downloads.reproduce, name="reproduce"),
    # After the three above: "pooled.csv", "data.csv" and "reproduce.R" would also match "<kind>.<fmt>".
    path("<int:pk>/<str:kind>.<str:fmt>", downloads.plot, name="plot"),
]
