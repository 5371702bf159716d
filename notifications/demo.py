def seed(stdout) -> None:
    """Notifications need no seeding of their own: the trades demo sends them through the services."""
    from notifications.models import Notification

    count = Notification.objects.filter(recipient__username="demo_trader", read_at__isnull=True).count()
    stdout.write(f"  notifications: demo_trader has {count} unread (bell in the nav, /notifications/)")
