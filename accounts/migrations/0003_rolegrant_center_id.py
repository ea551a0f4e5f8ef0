"""RoleGrant.center stops being a foreign key to servicecenters.ServiceCenter: accounts is the ground floor and
depends on no feature app. The column `center_id`, its data and its index stay; only Django's foreign-key
constraint goes, and servicecenters' migration 0003 puts the reference back as its own rule (PostgreSQL: a
foreign key ON DELETE CASCADE). The constraints are the same SQL, stated on the new field name.
"""

import django.db.models.deletion
from django.db import migrations, models

CENTER_ROLES = ["center_staff"]
CENTER_CONSTRAINTS = ["rolegrant_unique_global", "rolegrant_unique_center", "rolegrant_center_iff_center_role"]


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_rolegrant_center"),
        ("servicecenters", "0001_initial"),
    ]

    operations = [
        # The database: drop the foreign-key constraint (on SQLite the table is rebuilt, data and index kept).
        migrations.AlterField(
            model_name="rolegrant",
            name="center",
            field=models.ForeignKey(
                blank=True, null=True, db_constraint=False, on_delete=django.db.models.deletion.CASCADE,
                related_name="role_grants", to="servicecenters.servicecenter", verbose_name="service center",
            ),
        ),
        # The state only: the same column becomes a plain indexed integer, the constraints name it so.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                *[migrations.RemoveConstraint(model_name="rolegrant", name=name) for name in CENTER_CONSTRAINTS],
                migrations.RemoveField(model_name="rolegrant", name="center"),
                migrations.AddField(
                    model_name="rolegrant",
                    name="center_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="service center"),
                ),
                migrations.AddConstraint(
                    model_name="rolegrant",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("center_id__isnull", True), ("node__isnull", True)),
                        fields=("user", "role"), name="rolegrant_unique_global",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="rolegrant",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("center_id__isnull", False)),
                        fields=("user", "role", "center_id"), name="rolegrant_unique_center",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="rolegrant",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("center_id__isnull", False), ("role__in", CENTER_ROLES)),
                            models.Q(models.Q(("role__in", CENTER_ROLES), _negated=True), ("center_id__isnull", True)),
                            _connector="OR",
                        ),
                        name="rolegrant_center_iff_center_role",
                    ),
                ),
            ],
        ),
    ]
