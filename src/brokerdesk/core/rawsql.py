"""Hand-written SELECTs for the few hot paths where the ORM's own cost is the budget.

The ORM compiles every queryset to SQL again on every request: for the screen-pop (caller number →
customer card, p99 ≤ 10 ms) that compiling cost more than the database work. The hot paths there keep
their SQL as text built once, and read rows back into ordinary model instances through ModelColumns,
which converts values exactly as the ORM does (SQLite returns dates and decimals as text, JSON is
decoded by the field) because it asks the same converters.

On PostgreSQL these statements also run prepared (hot_cursor): Django binds parameters on the client, so
the server plans every statement again, and planning the screen-pop's joins cost more than running them.

Only for read paths with a measured reason; everything else uses the ORM.
"""

from contextlib import contextmanager
from functools import cache

from django.db import connection
from django.db.models import Model


class ModelColumns:
    """One model's concrete columns under a table alias: the SELECT list, and rows back into instances."""

    def __init__(self, model: type[Model], alias: str, *, exclude: tuple[str, ...] = ()):
        self.model = model
        self.alias = alias
        self.fields = [f for f in model._meta.concrete_fields if f.attname not in exclude]
        self.attnames = [f.attname for f in self.fields]
        quote = connection.ops.quote_name
        self.select_list = ", ".join(f"{quote(alias)}.{quote(f.column)}" for f in self.fields)
        self.width = len(self.fields)
        self._pk_index = self.attnames.index(model._meta.pk.attname)
        # (position, expression, converters) for the columns whose driver value needs converting.
        self._conversions = []
        for i, field in enumerate(self.fields):
            expression = field.get_col(alias)
            converters = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)
            if converters:
                self._conversions.append((i, expression, converters))

    def instance(self, row, start: int = 0) -> Model | None:
        """The instance held in row[start:start + width]; None when its primary key is NULL (outer join)."""
        values = list(row[start:start + self.width])
        if values[self._pk_index] is None:
            return None
        for i, expression, converters in self._conversions:
            if values[i] is not None:
                for converter in converters:
                    values[i] = converter(values[i], expression, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


@contextmanager
def hot_cursor():
    """A cursor for the hot paths' fixed SQL: on PostgreSQL it binds on the server, so psycopg prepares a
    statement once it has run a few times on a connection (prepare_threshold) and the pooled connection
    keeps the plan; elsewhere the usual cursor. Still Django's cursor wrapper: execute wrappers and error
    translation behave as for connection.cursor(). While queries are logged (DEBUG, CaptureQueriesContext)
    it is the usual cursor, whose log shows each statement with its values.

    Parameters must have types the server can infer from where they stand (column comparisons, LIMIT).
    """
    if (connection.vendor != "postgresql" or connection.queries_logged
            or connection.settings_dict["OPTIONS"].get("server_side_binding")):
        with connection.cursor() as cursor:
            yield cursor
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.make_cursor(ServerBindingCursor(connection.connection)) as cursor:
        yield cursor


@cache
def _model_columns(model: type[Model], alias: str, exclude: tuple[str, ...], vendor: str) -> ModelColumns:
    return ModelColumns(model, alias, exclude=exclude)


def model_columns(model: type[Model], alias: str, *, exclude: tuple[str, ...] = ()) -> ModelColumns:
    """ModelColumns built once per model, alias and database vendor."""
    return _model_columns(model, alias, exclude, connection.vendor)


def string_agg(expression: str, separator: str = ",") -> str:
    """The SQL aggregate that joins strings: string_agg on PostgreSQL, group_concat on SQLite."""
    function = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    return f"{function}({expression}, '{separator}')"


def set_prefetched(instance: Model, related_name: str, objects: list[Model]) -> None:
    """Give instance.<related_name>.all() these rows without a query, as prefetch_related() does."""
    related_model = getattr(type(instance), related_name).rel.related_model
    queryset = related_model._base_manager.all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[related_name] = queryset
