"""The demo district: `python manage.py seed_demo` and the per-app data behind it. The top floor: it imports
every app and no app imports it."""
