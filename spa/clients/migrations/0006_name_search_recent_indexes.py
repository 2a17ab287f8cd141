from django.db import migrations

# Namesakes in the order search shows them: most recent visit first, never-visited last.
# PostgreSQL needs NULLS LAST spelled out to match the query's ORDER BY; SQLite cannot
# say it in an index, but its DESC already puts NULLs last.
INDEXES = {
    "client_name_exact_recent": "(name_folded_key, name_exact_key, last_visit_at DESC{nulls}, id DESC)",
    "client_name_recent": "(name_folded_key, last_visit_at DESC{nulls}, id DESC)",
}


def forwards(apps, schema_editor):
    nulls = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {name} ON clients_client {columns.format(nulls=nulls)}")


def backwards(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("clients", "0005_client_language")]
    operations = [migrations.RunPython(forwards, backwards)]
