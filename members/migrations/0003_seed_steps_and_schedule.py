"""The 25 steps of member development (中国共产党发展党员工作细则).

It also installed the daily members job's beat schedule; schedules now come from the job registry (jobs.schedules,
installed after migrate), and jobs 0002 turns the row it wrote into registry rows."""

from django.db import migrations

# (number, stage, name, after_step, min_months, max_months, decides_stage)
STEPS = [
    (1, 1, "递交入党申请书", None, None, None, False),
    (2, 1, "党组织派人谈话", 1, None, 1, False),
    (3, 2, "推荐和确定入党积极分子", 1, None, None, True),
    (4, 2, "报上级党委备案", None, None, None, False),
    (5, 2, "指定培养联系人", None, None, None, False),
    (6, 2, "培养教育考察", None, None, None, False),
    (7, 3, "确定发展对象", 3, 12, None, True),
    (8, 3, "报上级党委备案", None, None, None, False),
    (9, 3, "确定入党介绍人", None, None, None, False),
    (10, 3, "进行政治审查", None, None, None, False),
    (11, 3, "开展集中培训", None, None, None, False),
    (12, 4, "支部委员会审查", None, None, None, False),
    (13, 4, "上级党委预审", None, None, None, False),
    (14, 4, "填写入党志愿书", None, None, None, False),
    (15, 4, "支部大会讨论", None, None, None, False),
    (16, 4, "上级党委派人谈话", None, None, None, False),
    (17, 4, "上级党委审批", 15, None, 3, True),
    (18, 4, "再上级党委组织部门备案", None, None, None, False),
    (19, 5, "编入党支部和党小组", None, None, None, False),
    (20, 5, "入党宣誓", None, None, None, False),
    (21, 5, "继续教育考察", None, None, None, False),
    (22, 5, "提出转正申请", None, None, None, False),
    (23, 5, "支部大会讨论转正", 15, 12, None, False),
    (24, 5, "上级党委审批转正", 23, None, 3, True),
    (25, 5, "材料归入人事档案", None, None, None, False),
]


def seed(apps, schema_editor):
    DevelopmentStep = apps.get_model("members", "DevelopmentStep")
    for number, stage, name, after, min_m, max_m, decides in STEPS:
        DevelopmentStep.objects.update_or_create(
            number=number,
            defaults=dict(stage=stage, name=name, after_step=after, min_months=min_m, max_months=max_m,
                          decides_stage=decides),
        )


def unseed(apps, schema_editor):
    apps.get_model("members", "DevelopmentStep").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_development_points_birthdays"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
