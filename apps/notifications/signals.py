"""React to what lower apps record: a check-ins Notice (help, mention, kudos) appears in the notification centre."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.checkins.models import Notice

from . import services


@receiver(post_save, sender=Notice, dispatch_uid="notifications.notice_to_notification")
def notice_to_notification(sender, instance: Notice, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        services.notification_from_notice(notice=instance)
