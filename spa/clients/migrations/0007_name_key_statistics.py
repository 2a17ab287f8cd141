from django.db import migrations

# The folded and the exact name keys are nearly the same information: without knowing
# that, PostgreSQL multiplies their selectivities, expects a dozen namesakes where
# there are thousands, and sorts them all instead of reading the index in order.
CREATE = """
CREATE STATISTICS IF NOT EXISTS client_name_keys_dep (dependencies)
    ON name_folded_key, name_exact_key FROM clients_client;
ANALYZE clients_client;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS client_name_keys_dep")


class Migration(migrations.Migration):
    dependencies = [("clients", "0006_name_search_recent_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
