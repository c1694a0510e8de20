"""Plain INSERTs for the large writes (imports, the daily run, the timeline), and
plain reads for the large loads: the ORM builds and prepares an object per row
(or converts every value), which costs more than the database work itself at a
million rows. Values written are what the driver takes as they are (str, int,
bool, Decimal, date, None) or were prepared with `prepared`; amounts read come
through `amount`, which gives Decimal on every database."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Context, Decimal
from itertools import islice
from typing import Any

from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

CHUNK = 10000


def prepared(model: type[models.Model], name: str, value: Any) -> Any:
    """A value as the database takes it (JSON, aware datetimes)."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
) -> None:
    """Insert rows giving the values of `columns`; every other column gets its
    field's default, and auto_now fields the current time. `rows` may be a
    generator, consumed in chunks as they are written; it must not itself use
    the database."""
    now = timezone.now()
    given = set(columns)
    rest, constants = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        rest.append(field.column)
        constants.append(field.get_db_prep_save(value, connection))
    names = [*columns, *rest]
    tail = tuple(constants)
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        _copy(table, names, (r + tail for r in rows))
    else:
        sql = (
            f"INSERT INTO {table} ({', '.join(names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))})"
        )
        _executemany(sql, (r + tail for r in rows))


def _copy(table: str, names: list[str], rows: Iterable[tuple]) -> None:
    """PostgreSQL: COPY, a hundred times faster than row-by-row INSERTs, and
    the server maintains the indexes while we send."""
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _executemany(sql: str, rows: Iterable) -> None:
    with connection.cursor() as cursor:
        for chunk in iter(lambda: list(islice(rows, CHUNK)), []):
            cursor.executemany(sql, chunk)


def last_id(model: type[models.Model]) -> int:
    """The highest primary key so far: rows inserted after it are new."""
    return model.objects.aggregate(last=Max("pk"))["last"] or 0


def ids_after(
    model: type[models.Model], after: int, key: str | tuple[str, ...], **filters
) -> dict:
    """Primary key of each row inserted after `after`, by the value of `key`, or
    by the tuple of values of several keys when no single one is unique."""
    keys = (key,) if isinstance(key, str) else key
    rows = (
        model.objects.filter(pk__gt=after, **filters)
        .order_by()
        .values_list(*keys, "pk")
        .iterator(chunk_size=CHUNK)
    )
    if len(keys) == 1:
        return dict(rows)
    return {row[:-1]: row[-1] for row in rows}


def rows(queryset) -> Iterator[tuple]:
    """The rows of a `values_list` queryset as the driver returns them, without
    Django's converters (dates already come as dates: Django registers the
    driver's own); read amounts with `amount()`."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK):
            yield from chunk


_CENTS = Decimal("0.01")
_FLOAT = Context(prec=15).create_decimal_from_float  # as Django reads SQLite


def amount() -> Callable[[Any], Decimal]:
    """Reads a money column (2 places) as Decimal: SQLite stores it with numeric
    affinity (an int, or a float that Django also reads through 15 digits),
    PostgreSQL gives Decimal."""
    if connection.vendor != "sqlite":
        return lambda value: value

    def read(value):
        if isinstance(value, int):
            return Decimal(value).quantize(_CENTS)
        return _FLOAT(value).quantize(_CENTS)

    return read
