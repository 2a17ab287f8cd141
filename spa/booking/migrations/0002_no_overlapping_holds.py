from django.db import migrations

# PostgreSQL refuses two active holds of one technician, room or machine whose times
# overlap. SQLite has no EXCLUDE: there the booking service serialises writers (every
# write transaction takes the database lock first) and checks before inserting.
CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE booking_slothold ADD CONSTRAINT slothold_no_overlap
    EXCLUDE USING gist (holder WITH =, tstzrange("start", "end", '[)') WITH &&) WHERE (active);
"""
DROP = "ALTER TABLE booking_slothold DROP CONSTRAINT IF EXISTS slothold_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
