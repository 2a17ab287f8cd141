from django.db import models


class BytewiseCharField(models.CharField):
    """A CharField compared byte by byte (collation "C" on PostgreSQL; SQLite's default).

    Search keys are matched by prefix with `key >= p AND key < p || U+10FFFF`; that
    range is only right under bytewise ordering, not a linguistic collation that
    ignores spaces.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
