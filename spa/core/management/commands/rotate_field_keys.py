from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from spa.core.crypto import EncryptedField, rotate_token


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEYS. "
        "Put the new key first, keep the old ones after it, run this, then remove the old keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.fields if isinstance(f, EncryptedField)]
            if not fields:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            for field in fields:
                column = connection.ops.quote_name(field.column)
                last_id, done = 0, 0
                while True:
                    # Raw SQL: the stored tokens are rotated as they are, never decrypted
                    # into model instances (and so never re-serialised differently).
                    with transaction.atomic(), connection.cursor() as cur:
                        cur.execute(
                            f"SELECT {pk}, {column} FROM {table} WHERE {pk} > %s "
                            f"AND {column} IS NOT NULL AND {column} <> '' ORDER BY {pk} LIMIT %s",
                            [last_id, options["batch"]],
                        )
                        rows = cur.fetchall()
                        for row_id, token in rows:
                            cur.execute(
                                f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",
                                [rotate_token(token), row_id],
                            )
                    if not rows:
                        break
                    last_id = rows[-1][0]
                    done += len(rows)
                total += done
                self.stdout.write(f"{model._meta.label}.{field.name}: {done} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Done: {total} values now use the newest key."))
