from django.urls import path

from review.views import audit, duplicates, imports, members, records, reviews, sources

app_name = "review"

urlpatterns = [
    path("", reviews.review_list, name="list"),
    path("new/", reviews.review_new, name="new"),
    path("<slug:slug>/", reviews.review_detail, name="detail"),
    path("<slug:slug>/settings/", reviews.review_settings, name="settings"),
    path("<slug:slug>/members/", members.member_list, name="members"),
    path("<slug:slug>/members/<int:pk>/roles/", members.member_roles, name="member_roles"),
    path("<slug:slug>/members/<int:pk>/remove/", members.member_remove_view, name="member_remove"),
    path("<slug:slug>/sources/", sources.source_list, name="sources"),
    path("<slug:slug>/sources/<int:pk>/edit/", sources.source_edit, name="source_edit"),
    path("<slug:slug>/exclusion-reasons/", sources.exclusion_reasons, name="exclusion_reasons"),
    path("<slug:slug>/imports/", imports.import_list, name="imports"),
    path("<slug:slug>/imports/new/", imports.import_new, name="import_new"),
    path("<slug:slug>/imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("<slug:slug>/imports/<int:pk>/columns/", imports.import_map, name="import_map"),
    path("<slug:slug>/imports/<int:pk>/status.json", imports.import_status, name="import_status"),
    path("<slug:slug>/records/", records.record_list, name="records"),
    path("<slug:slug>/records/<int:pk>/", records.record_detail, name="record_detail"),
    path("<slug:slug>/records/<int:pk>/merge/", duplicates.record_merge_view, name="record_merge"),
    path("<slug:slug>/records/<int:pk>/unmerge/", duplicates.record_unmerge_view, name="record_unmerge"),
    path("<slug:slug>/duplicates/", duplicates.duplicate_queue, name="duplicates"),
    path("<slug:slug>/duplicates/run/", duplicates.duplicate_run, name="duplicate_run"),
    path("<slug:slug>/duplicates/<int:pk>/", duplicates.duplicate_pair, name="duplicate_pair"),
    path("<slug:slug>/duplicates/<int:pk>/decide/", duplicates.duplicate_decide, name="duplicate_decide"),
    path("<slug:slug>/audit/", audit.audit_log, name="audit"),
]
