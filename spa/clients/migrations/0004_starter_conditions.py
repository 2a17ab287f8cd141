from django.db import migrations


def create_conditions(apps, schema_editor):
    from spa.clients.starter_lists import CONDITIONS

    Condition = apps.get_model("clients", "Condition")
    for code, vi, en, zh in CONDITIONS:
        Condition.objects.get_or_create(code=code, defaults={"name_vi": vi, "name_en": en, "name_zh": zh})


class Migration(migrations.Migration):
    dependencies = [("clients", "0003_condition_list")]
    operations = [migrations.RunPython(create_conditions, migrations.RunPython.noop)]
