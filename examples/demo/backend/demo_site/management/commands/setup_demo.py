from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "admin"
PASSWORD = "admin-pass-123"


class Command(BaseCommand):
    help = "Create (or reset) the demo's admin user."

    def handle(self, *args, **options):
        user, _ = get_user_model().objects.get_or_create(username=USERNAME, defaults={"email": "admin@example.com"})
        user.is_staff = user.is_superuser = True
        user.set_password(PASSWORD)
        user.save()
        self.stdout.write(f"admin user ready: {USERNAME} / {PASSWORD}")
