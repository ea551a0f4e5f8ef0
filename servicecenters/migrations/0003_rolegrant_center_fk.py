"""The service centers keep accounts' references to them whole: RoleGrant.center_id (a plain integer column in
accounts, which depends on no feature app) must name an existing center, and a deleted center takes its staff's
grants with it. PostgreSQL only, as a deferred foreign key like Django's own; on the SQLite demo the delete
cascade is ServicecentersConfig's pre_delete receiver, and the admin offers existing centers only.
"""

from django.db import migrations

CONSTRAINT = "rolegrant_center_fk_servicecenter"

FORWARD = f"""
ALTER TABLE accounts_rolegrant ADD CONSTRAINT {CONSTRAINT}
    FOREIGN KEY (center_id) REFERENCES servicecenters_servicecenter (id)
    ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
"""
REVERSE = f"ALTER TABLE accounts_rolegrant DROP CONSTRAINT IF EXISTS {CONSTRAINT};"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("servicecenters", "0002_daily_schedule"),
        ("accounts", "0003_rolegrant_center_id"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
