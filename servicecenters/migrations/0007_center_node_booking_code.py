"""Centers name the organization they stand in; bookings get a short code the resident is shown.

The code is added empty, each existing booking gets its own, then the column becomes required and unique."""

import django.db.models.deletion
from django.db import migrations, models

import servicecenters.models


def fill_codes(apps, schema_editor):
    Booking = apps.get_model("servicecenters", "Booking")
    used = set()
    batch = []
    for booking in Booking.objects.filter(code__isnull=True).only("pk").iterator(chunk_size=2000):
        code = servicecenters.models.new_booking_code()
        while code in used:
            code = servicecenters.models.new_booking_code()
        used.add(code)
        booking.code = code
        batch.append(booking)
        if len(batch) >= 2000:
            Booking.objects.bulk_update(batch, ["code"])
            batch = []
    if batch:
        Booking.objects.bulk_update(batch, ["code"])


class Migration(migrations.Migration):

    dependencies = [
        ("grids", "0002_tree_integrity_trigger"),
        ("servicecenters", "0006_booking_resident_upcoming_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="code",
            field=models.CharField(editable=False, max_length=8, null=True, verbose_name="booking code"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="booking",
            name="code",
            field=models.CharField(default=servicecenters.models.new_booking_code, editable=False,
                                   help_text="Shown to the resident; staff find the booking by it.", max_length=8,
                                   unique=True, verbose_name="booking code"),
        ),
        migrations.AddField(
            model_name="historicalbooking",
            name="code",
            field=models.CharField(db_index=True, default=servicecenters.models.new_booking_code, editable=False,
                                   help_text="Shown to the resident; staff find the booking by it.", max_length=8,
                                   verbose_name="booking code"),
        ),
        migrations.AddField(
            model_name="historicalservicecenter",
            name="node",
            field=models.ForeignKey(blank=True, db_constraint=False,
                                    help_text="The street, community or village the center stands in; its street "
                                              "must be the one served.",
                                    null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to="grids.orgnode", verbose_name="organization where it stands"),
        ),
        migrations.AddField(
            model_name="servicecenter",
            name="node",
            field=models.ForeignKey(blank=True,
                                    help_text="The street, community or village the center stands in; its street "
                                              "must be the one served.",
                                    null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="grids.orgnode", verbose_name="organization where it stands"),
        ),
    ]
