"""The database cache every server process shares, with an ``incr`` that counts exactly.

Django's ``DatabaseCache.incr`` is ``get`` then ``set``: two processes counting at once lose a
count, and the ``set`` replaces the entry's expiry with the default timeout. Login lockout and
rate limits need both right, so ``incr`` here is a compare-and-swap on the row (an ``UPDATE``
that only succeeds if the value is still the one read) and leaves ``expires`` alone. This works
the same on SQLite and PostgreSQL, inside or outside a transaction.

Django's cull also evicts live entries once the table holds more than ``MAX_ENTRIES`` (300 by
default): anybody could then flush their own lockout counter by sending attempts under many
other names. Here a cull deletes expired entries only; a live counter stays until its window
ends.

The table is created by ``createcachetable``, run after every ``migrate`` (``apps.py``).
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends import db
from django.db import connections, models, router
from django.utils.timezone import now

MAX_TRIES = 100


class DatabaseCache(db.DatabaseCache):
    """``django.core.cache.backends.db.DatabaseCache`` with an atomic, expiry-keeping ``incr``."""

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        q = connection.ops.quote_name
        table, value_col, key_col = q(self._table), q("value"), q("cache_key")
        select = f"SELECT {value_col}, {q('expires')} FROM {table} WHERE {key_col} = %s"
        update = f"UPDATE {table} SET {value_col} = %s WHERE {key_col} = %s AND {value_col} = %s"
        with connection.cursor() as cursor:
            for _ in range(MAX_TRIES):
                cursor.execute(select, [key])
                row = cursor.fetchone()
                if row is None or _expires(connection, row[1]) < now():
                    raise ValueError(f"Key {key!r} not found")
                stored = connection.ops.process_clob(row[0])
                new_value = pickle.loads(base64.b64decode(stored.encode())) + delta
                encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol))
                cursor.execute(update, [encoded.decode("latin1"), key, stored])
                if cursor.rowcount == 1:
                    return new_value
        raise RuntimeError(f"cache incr of {key!r} lost {MAX_TRIES} races in a row")

    def _cull(self, db: str, cursor: Any, now: Any, num: int) -> None:
        """Delete the expired entries, never a live one (see the module's docstring)."""
        connection = connections[db]
        q = connection.ops.quote_name
        cursor.execute(
            f"DELETE FROM {q(self._table)} WHERE {q('expires')} < %s",
            [connection.ops.adapt_datetimefield_value(now)],
        )


def _expires(connection: Any, value: Any) -> Any:
    """The stored expiry as an aware datetime, converted as ``DatabaseCache.get_many`` does."""
    expression = models.Expression(output_field=models.DateTimeField())
    for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(
        connection
    ):
        value = converter(value, expression, connection)
    return value
