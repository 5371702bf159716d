"""PostgreSQL array literals for bulk statements (`UPDATE … FROM unnest(%s::numeric[], …)`).

psycopg adapts a Python list element by element in Python, and Django's field preparation adds
a call per value on top: for a nightly batch of 100,000 rows x 8 columns that is most of the
job's CPU. One text literal per column (`'{1,2.50,NULL}'`, cast in the SQL) is a single
parameter built with `str.join`. Values: int, Decimal, bool, str, date, datetime (aware) or None; strings are
quoted and escaped per PostgreSQL's array syntax, so any text is safe.
"""

from datetime import date, datetime
from decimal import Decimal

from django.db import connection
from django.db.models.expressions import RawSQL


def _element(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | Decimal):
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError(f"Not a finite number: {value}")
        return str(value)
    if isinstance(value, datetime | date):
        return '"' + value.isoformat() + '"'
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"No array literal for {type(value).__name__}")


def pg_array(values) -> str:
    """The text of a one-dimensional PostgreSQL array holding `values` (cast it in the SQL)."""
    return "{" + ",".join(map(_element, values)) + "}"


def ids_in(ids):
    """For `filter(pk__in=ids_in(ids))`: on PostgreSQL one array parameter (`IN (SELECT unnest(…))`)
    instead of one bound parameter per id, which Django and psycopg prepare one by one."""
    ids = list(ids)
    if connection.vendor != "postgresql":
        return ids
    return RawSQL("SELECT unnest(%s::bigint[])", [pg_array(ids)])
