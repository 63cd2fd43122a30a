from django.contrib import admin

from .models import (
    Delivery,
    Digest,
    GoalHealthState,
    HealthChange,
    Notification,
    ReminderPolicy,
    ReminderPreference,
    TeamReminderPolicy,
    TeamWebhook,
)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["kind", "period", "recipient", "team", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["state", "kind", "channel"]
    search_fields = ["recipient__user__email", "period"]
    raw_id_fields = ["recipient", "team", "organization"]
    readonly_fields = ["claim_token", "claimed_at", "batch", "enqueued_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "delivery", "notice", "organization"]


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "kind", "period_start"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient", "organization"]


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["organization", "weekday", "local_time", "reminders_enabled", "digests_enabled"]


@admin.register(TeamReminderPolicy)
class TeamReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["team", "weekday", "local_time"]


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["member", "enabled", "weekday", "local_time", "paused_until"]
    raw_id_fields = ["member", "organization"]


@admin.register(TeamWebhook)
class TeamWebhookAdmin(admin.ModelAdmin):
    list_display = ["team", "url", "is_active"]


admin.site.register(GoalHealthState)
admin.site.register(HealthChange)
