from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView


def favicon(request):
    # Resolved per request, not when the URLconf loads: with DEBUG off the manifest storage
    # needs collectstatic, and a background worker or `manage.py check` loads the URLconf
    # without it.
    return HttpResponsePermanentRedirect(static("concord/favicon.svg"))


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="review:list", permanent=False)),
    # Browsers ask for /favicon.ico whatever the page says; the icon itself is a static file.
    path("favicon.ico", favicon),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("reviews/", include("review.urls")),
    path("reviews/<slug:slug>/analysis/", include("analysis.urls")),
    path("reviews/<slug:slug>/extraction/", include("extraction.urls")),
]

handler400 = "concord.errors.bad_request"
handler403 = "concord.errors.permission_denied"
handler404 = "concord.errors.page_not_found"
