"""The access log is append-only in the database too, not only through the ORM.

PostgreSQL: a trigger refuses UPDATE and DELETE (TRUNCATE, which the test runner's flush
uses, is a table-level statement the row trigger does not see). SQLite: a trigger refuses
UPDATE; DELETE stays possible there because Django's flush between transactional tests
(and `manage.py flush`) deletes row by row, and the ORM refuses it anyway.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_accessentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_accessentry is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_accessentry_append_only
    BEFORE UPDATE OR DELETE ON audit_accessentry
    FOR EACH ROW EXECUTE FUNCTION audit_accessentry_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_accessentry_append_only ON audit_accessentry;
DROP FUNCTION IF EXISTS audit_accessentry_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER audit_accessentry_no_update BEFORE UPDATE ON audit_accessentry
BEGIN
    SELECT RAISE(ABORT, 'audit_accessentry is append-only (UPDATE refused)');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS audit_accessentry_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0009_access_entry")]

    operations = [migrations.RunPython(forward, backward)]
