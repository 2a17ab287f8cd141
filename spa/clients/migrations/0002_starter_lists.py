from django.db import migrations


def create_starter_lists(apps, schema_editor):
    from spa.clients.starter_lists import ALLERGENS, SOURCES

    Allergen = apps.get_model("clients", "Allergen")
    ClientSource = apps.get_model("clients", "ClientSource")
    for code, vi, en, zh in ALLERGENS:
        Allergen.objects.get_or_create(code=code, defaults={"name_vi": vi, "name_en": en, "name_zh": zh})
    for name in SOURCES:
        ClientSource.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]
    operations = [migrations.RunPython(create_starter_lists, migrations.RunPython.noop)]
