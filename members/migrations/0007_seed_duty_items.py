"""The duty checklist's items (支部必做工作清单): weekly to yearly, some ticked off by the meeting records.

It also installed the monthly members job's beat schedule; schedules now come from the job registry
(jobs.schedules, installed after migrate), and jobs 0002 turns the row it wrote into registry rows."""

from django.db import migrations

ITEMS = [
    (1, "组织党员开展周学习", "weekly", ""),
    (2, "召开党小组会", "monthly", "group"),
    (3, "开展主题党日活动", "monthly", "theme_day"),
    (4, "收缴党费", "monthly", ""),
    (5, "召开支委会", "monthly", "committee"),
    (6, "召开党员大会", "quarterly", "members"),
    (7, "上党课", "quarterly", "lecture"),
    (8, "开展党员积分评定", "half_yearly", ""),
    (9, "召开组织生活会", "yearly", ""),
    (10, "开展民主评议党员", "yearly", ""),
]


def seed(apps, schema_editor):
    DutyItem = apps.get_model("members", "DutyItem")
    for number, name, frequency, kind in ITEMS:
        DutyItem.objects.update_or_create(number=number, defaults=dict(name=name, frequency=frequency,
                                                                       meeting_kind=kind))


def unseed(apps, schema_editor):
    apps.get_model("members", "DutyItem").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("members", "0006_duty_checklist"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(seed, unseed)]
