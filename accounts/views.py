"""Django's password-reset views, each writing its audit event."""

from django.contrib.auth import views as auth_views
from django.db import transaction

from accounts import services
from accounts.client_ip import client_ip


class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    extra_email_context = {"site_name": "Concord"}

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        accounts = sum(1 for _ in form.get_users(email))
        services.password_reset_requested(email=email, accounts=accounts, address=client_ip(self.request))
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.password_reset_done(user=form.user, address=client_ip(self.request))
        return response
