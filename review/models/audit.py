from django.conf import settings
from django.db import models

UPDATE_REFUSED = "Audit events are append-only: they cannot be updated."
DELETE_REFUSED = "Audit events are append-only: they cannot be deleted."
HEAD_REFUSED = "An audit chain head only moves forward, through a new audit event."


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(UPDATE_REFUSED)

    def _update(self, values):
        raise AppendOnlyError(UPDATE_REFUSED)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(UPDATE_REFUSED)

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError(UPDATE_REFUSED)

    def delete(self):
        raise AppendOnlyError(DELETE_REFUSED)

    def _raw_delete(self, using):
        raise AppendOnlyError(DELETE_REFUSED)

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("update_conflicts") or kwargs.get("ignore_conflicts"):
            # An upsert would change a stored event; a skipped row would leave a gap in the chain.
            raise AppendOnlyError(UPDATE_REFUSED)
        # Every path that inserts events goes through the chain, so none lands unchained.
        from review.audit_chain import chain_insert

        return chain_insert(list(objs), insert=lambda batch: super(AuditEventQuerySet, self).bulk_create(
            batch, *args, **kwargs))


class AuditEvent(models.Model):
    """Who did what, when (UTC), from which value to which, and why. Never updated or deleted.

    ``seq``, ``prev_hash`` and ``hash`` chain the events of one review (events without a
    review form one global chain): see review/audit_chain.py and ``manage.py audit_verify``.
    """

    review = models.ForeignKey(
        "review.Review", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="audit_events",
    )
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    # Kept as text so the event still names its author if the account goes away.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    seq = models.PositiveBigIntegerField(default=0, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        # The base manager (used by the deletion collector and by save) carries the guards too.
        base_manager_name = "objects"
        indexes = [models.Index(fields=["review", "-at"], name="audit_review_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username or 'system'} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(UPDATE_REFUSED)
        from review.audit_chain import chain_insert

        chain_insert([self], insert=lambda batch: super(AuditEvent, self).save(*args, **kwargs))

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(DELETE_REFUSED)


class AuditChainHeadQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError(HEAD_REFUSED)

    def _raw_delete(self, using):
        raise AppendOnlyError(HEAD_REFUSED)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(HEAD_REFUSED)


class AuditChainHead(models.Model):
    """The last event of each chain: one row per review (``chain`` 0 is the global chain).

    Appending locks this row, so two writers never chain onto the same event; its ``count``
    also tells ``audit_verify`` how long the chain must be, which catches a deleted tail.
    """

    GLOBAL = 0

    chain = models.BigIntegerField(unique=True)
    count = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    last_event_id = models.BigIntegerField(null=True)

    objects = AuditChainHeadQuerySet.as_manager()

    class Meta:
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"audit chain {self.chain}: {self.count} events"

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(HEAD_REFUSED)
