from django.conf import settings
from django.db import models

from extraction.formspec.schema import empty

IN_USE = "This form version is in use by extractions; publish a new version instead."
FORM_LOCKED = "This form version is used by locked consensus of {study}; it cannot change or be deleted."
# What a locked consensus reads of its form version (its labels, its number in the fingerprint).
FROZEN = ("review_id", "number", "schema")


class FormInUseError(Exception):
    """Raised when code tries to change a form version that extractions already use."""


def locked_user(form_versions):
    """The first locked consensus using one of ``form_versions`` (a queryset), or None."""
    from extraction.models.consensus import Consensus

    return (Consensus.objects.filter(form_version__in=form_versions, status=Consensus.LOCKED)
            .select_related("study").order_by("study__label").first())


class FormVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _refuse_if_locked(locked_user(self.values("pk")))
        return super().update(**kwargs)

    def _raw_delete(self, using):
        _refuse_if_locked(locked_user(self.values("pk")))
        return super()._raw_delete(using)


def _refuse_if_locked(consensus) -> None:
    from extraction.models.consensus import LockedError

    if consensus is not None:
        raise LockedError(FORM_LOCKED.format(study=consensus.study.label))


class FormVersion(models.Model):
    """One version of a review's extraction form, stored whole as validated JSON.

    Once an extraction uses a version its schema never changes; the next change makes a new
    version (services.forms.form_publish), so every extraction keeps the form it was made with.
    """

    review = models.ForeignKey("review.Review", on_delete=models.CASCADE, related_name="form_versions")
    number = models.PositiveIntegerField()
    schema = models.JSONField(default=empty)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = FormVersionQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["review", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="form_version_unique_number"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="form_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Form v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and self.extractions.exists():
            stored = FormVersion.objects.filter(pk=self.pk).values_list("schema", flat=True).first()
            if stored is not None and stored != self.schema:
                raise FormInUseError(IN_USE)
        if self.pk is not None:
            stored = FormVersion.objects.filter(pk=self.pk).values(*FROZEN).first()
            if stored is not None and any(stored[f] != getattr(self, f) for f in FROZEN):
                _refuse_if_locked(locked_user([self.pk]))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_locked(locked_user([self.pk]))
        return super().delete(*args, **kwargs)

    @property
    def in_use(self) -> bool:
        return self.extractions.exists()
