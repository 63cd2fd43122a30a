from django.utils.functional import SimpleLazyObject


def unread(request) -> dict:
    """The unread count for the navigation bell: one COUNT query, only for a signed-in member, only if shown."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}

    def count() -> int:
        from .selectors import unread_count

        return unread_count(actor=membership)

    return {"notifications_unread": SimpleLazyObject(count)}
