import uuid

from django.db import models


class PublicIdModel(models.Model):
    """A row addressed in URLs by an unguessable UUID, never by its integer key."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class TenantModel(PublicIdModel):
    """A row owned by one organization. Subclasses scope every read with ``for_org``."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=True)

    class Meta:
        abstract = True


class BeatTick(models.Model):
    """The last time Celery beat's schedule reached the worker (one row, updated)."""

    name = models.CharField(max_length=50, unique=True)
    ticked_at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.ticked_at:%Y-%m-%d %H:%M:%S}"
