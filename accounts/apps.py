from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts: log-in throttling and password reset"

    def ready(self):
        from accounts import login_audit  # noqa: F401  (connects the audit receivers)
