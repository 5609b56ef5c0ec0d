"""Consensus and its discrepancies; once locked, nothing here may change until an audited unlock.

The lock is enforced three times over: in the services (a clear message), in save()/delete()
and the querysets (any Python path, including the admin and management commands), and by
database triggers created in the migrations (raw SQL and anything else).
"""

from django.conf import settings
from django.db import models

from extraction.models.work import INSTRUMENT_CHOICES, Kind

LOCKED = "This consensus is locked; the lead must unlock it (with a reason) before anything changes."
UNLOCK_UNAUDITED = ("A locked consensus opens only through an audited unlock by a lead: "
                    "Extraction > Reconcile > Unlock, with a reason.")
LOCK_UNAUDITED = "A consensus is locked only through Extraction > Reconcile > Lock, which records the lock."
HOLDS_LOCKED = ("{study} holds locked {kind} consensus; unlock it first "
                "(Extraction > Reconcile {study} > Unlock, with a reason).")
PROTECTED = ("data", "study_id", "kind", "form_version_id", "instrument", "fingerprint")
PROTECTED_NAMES = {*PROTECTED, "study", "form_version"}
# What no save of a locked row may change; the unlock changes status, locked_at/by and version.
FROZEN = (*PROTECTED, "agreed_keys")


class LockedError(Exception):
    """Raised when code tries to change locked consensus data."""


def _refuse_deleting(rows) -> None:
    first = rows.filter(status=Consensus.LOCKED).select_related("study").order_by("study__label", "kind").first()
    if first is not None:
        raise LockedError(HOLDS_LOCKED.format(study=first.study.label, kind=first.kind))


class ConsensusQuerySet(models.QuerySet):
    """Every queryset path, the base manager's included (``Meta.base_manager_name``)."""

    def update(self, **kwargs):
        # Only consensus_lock and consensus_unlock change the status, each beside its ledger event.
        if "status" in kwargs:
            raise LockedError(UNLOCK_UNAUDITED if self.filter(status=Consensus.LOCKED).exists() else LOCK_UNAUDITED)
        if self.filter(status=Consensus.LOCKED).exists():
            raise LockedError(LOCKED)
        return super().update(**kwargs)

    def delete(self):
        _refuse_deleting(self)
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if any(o.status == Consensus.LOCKED for o in objs):
            raise LockedError(LOCK_UNAUDITED)
        return super().bulk_create(objs, *args, **kwargs)

    def _raw_delete(self, using):
        _refuse_deleting(self)
        return super()._raw_delete(using)


class Consensus(models.Model):
    OPEN, LOCKED = "open", "locked"

    study = models.ForeignKey("review.Study", on_delete=models.CASCADE, related_name="consensus")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    form_version = models.ForeignKey(
        "extraction.FormVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="consensus"
    )
    instrument = models.CharField(max_length=30, blank=True, choices=INSTRUMENT_CHOICES)
    data = models.JSONField(default=dict, blank=True)
    # Keys on which the two extractors agreed at first pass, for agreement statistics.
    agreed_keys = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, default=OPEN, choices=[(OPEN, "Open"), (LOCKED, "Locked")])
    version = models.PositiveIntegerField(default=1)
    fingerprint = models.CharField(max_length=64, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsensusQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        verbose_name_plural = "consensus"
        ordering = ["study", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["study", "kind"], name="consensus_one_per_study_and_kind"),
            models.CheckConstraint(
                condition=models.Q(status="open")
                | (models.Q(locked_at__isnull=False) & ~models.Q(fingerprint="")),
                name="consensus_locked_has_time_and_fingerprint",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study} {self.kind} consensus ({self.status})"

    def save(self, *args, **kwargs):
        from extraction import ledger

        stored = None
        if self.pk is not None:
            stored = Consensus.objects.filter(pk=self.pk).values("status", *FROZEN).first()
        was_locked = stored is not None and stored["status"] == self.LOCKED
        if was_locked and any(stored[f] != getattr(self, f) for f in FROZEN):
            raise LockedError(LOCKED)
        if was_locked and not self.is_locked and not ledger.unlock_recorded(self):
            raise LockedError(UNLOCK_UNAUDITED)
        if not was_locked and self.is_locked and not ledger.lock_recorded(self):
            raise LockedError(LOCK_UNAUDITED)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_deleting(Consensus.objects.filter(pk=self.pk))
        return super().delete(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.status == self.LOCKED


class DiscrepancyQuerySet(models.QuerySet):
    def _refuse_if_locked(self):
        if self.filter(consensus__status=Consensus.LOCKED).exists():
            raise LockedError(LOCKED)

    def update(self, **kwargs):
        self._refuse_if_locked()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_if_locked()
        return super().delete()

    def _raw_delete(self, using):
        self._refuse_if_locked()
        return super()._raw_delete(using)


class Discrepancy(models.Model):
    """A cell on which the two extractors disagreed, and how it was settled."""

    A, B, NEW = "a", "b", "new"
    CHOICES = [(A, "Value A"), (B, "Value B"), (NEW, "A new value")]

    consensus = models.ForeignKey(Consensus, on_delete=models.CASCADE, related_name="discrepancies")
    key = models.CharField(max_length=300)
    value_a = models.JSONField(null=True, blank=True)
    value_b = models.JSONField(null=True, blank=True)
    choice = models.CharField(max_length=3, blank=True, choices=CHOICES)
    value = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = DiscrepancyQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"
        verbose_name_plural = "discrepancies"
        ordering = ["consensus", "id"]
        constraints = [
            models.UniqueConstraint(fields=["consensus", "key"], name="discrepancy_one_per_cell"),
            models.CheckConstraint(
                condition=models.Q(choice="") | (~models.Q(reason="") & models.Q(resolved_at__isnull=False)),
                name="discrepancy_resolution_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    def save(self, *args, **kwargs):
        if Consensus.objects.filter(pk=self.consensus_id, status=Consensus.LOCKED).exists():
            raise LockedError(LOCKED)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Consensus.objects.filter(pk=self.consensus_id, status=Consensus.LOCKED).exists():
            raise LockedError(LOCKED)
        return super().delete(*args, **kwargs)

    @property
    def resolved(self) -> bool:
        return bool(self.choice)
