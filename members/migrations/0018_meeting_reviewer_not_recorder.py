"""The person who recorded a meeting never reviews it. On PostgreSQL the check is added NOT VALID: every new or
changed row is checked, while reviews written before the rule (the old demo's) stay as they were."""

from django.conf import settings
from django.db import migrations, models

CONSTRAINT = models.CheckConstraint(
    condition=models.Q(("reviewed_by__isnull", True), models.Q(("reviewed_by", models.F("recorded_by")),
                                                                _negated=True), _connector="OR"),
    name="meeting_reviewer_not_recorder",
    violation_error_message="The person who recorded a meeting cannot review it.")


def forwards(apps, schema_editor):
    model = apps.get_model("members", "Meeting")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE members_meeting ADD CONSTRAINT meeting_reviewer_not_recorder "
            "CHECK (reviewed_by_id IS NULL OR reviewed_by_id <> recorded_by_id) NOT VALID")
    else:
        schema_editor.add_constraint(model, CONSTRAINT)


def backwards(apps, schema_editor):
    schema_editor.remove_constraint(apps.get_model("members", "Meeting"), CONSTRAINT)


class Migration(migrations.Migration):

    dependencies = [
        ("grids", "0002_tree_integrity_trigger"),
        ("members", "0017_import_mode"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddConstraint(model_name="meeting", constraint=CONSTRAINT)],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
