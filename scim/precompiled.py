"""Queries on every request's path, compiled to SQL once per process instead of per request.

The ORM compiles a query each time it runs: a third of a millisecond for a user with its
groups and manager, a tenth for the bearer-token lookup, more for a filtered page. Those
run on nearly every SCIM request, so they are compiled on first use and then executed with
new parameters. Rows go through the converters the ORM would apply, and come back as
model instances with their annotations. The SQL names no schema (django-tenants sets the
search path), so one compiled statement serves every organisation.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Compiled(Generic[M]):
    """A QuerySet's SQL, with what turns its rows back into model instances.

    `slots` are the positions of the parameter that `rows(value)` fills in; the other
    parameters are the ones the QuerySet was compiled with.
    """

    model: type[M]
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]
    field_names: list[str]
    annotation_names: list[str]
    converters: dict[int, tuple[list[Callable], Any]]

    @classmethod
    def of(cls, qs: QuerySet[M], placeholder: Any) -> "Compiled[M]":
        """Compile `qs`, built with `placeholder` where each run puts its own value."""
        compiler = qs.query.get_compiler(using=qs.db)
        sql, params = compiler.as_sql()
        slots = tuple(i for i, p in enumerate(params) if p == placeholder)
        if not slots:  # the value must reach the SQL as a parameter, as sent
            raise ValueError(f"Cannot precompile a query with parameters {params!r}.")
        names = [alias or expr.target.attname for expr, _, alias in compiler.select]
        annotations = [alias for _, _, alias in compiler.select if alias]
        return cls(
            model=qs.model,
            sql=sql,
            params=tuple(params),
            slots=slots,
            field_names=names[: len(names) - len(annotations)],
            annotation_names=annotations,
            converters=compiler.get_converters([expr for expr, _, _ in compiler.select]),
        )

    def bind(self, value: Any) -> list[Any]:
        params = list(self.params)
        for i in self.slots:
            params[i] = value
        return params

    def rows(self, value: Any) -> list[M]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.bind(value))
            return [self._instance(row) for row in cursor.fetchall()]

    def _instance(self, row: Sequence[Any]) -> M:
        values = list(row)
        for position, (converters, expression) in self.converters.items():
            for convert in converters:
                values[position] = convert(values[position], expression, connection)
        count = len(self.field_names)
        obj = self.model.from_db(connection.alias, self.field_names, values[:count])
        for name, value in zip(self.annotation_names, values[count:], strict=True):
            setattr(obj, name, value)
        return obj


class OneRow(Generic[M]):
    """`query(param)` builds the QuerySet for one parameter; `get(param)` runs its SQL.

    `example` is a value of the parameter's type, used once to compile.
    """

    def __init__(self, query: Callable[[Any], QuerySet[M]], example: Any) -> None:
        self._query = query
        self._example = example
        self._compiled: Compiled[M] | None = None

    def get(self, param: Any) -> M | None:
        if self._compiled is None:
            self._compiled = Compiled.of(self._query(self._example)[:1], self._example)
            if self._compiled.slots != (0,) or len(self._compiled.params) != 1:
                raise ValueError("A OneRow query must take exactly its one parameter.")
        rows = self._compiled.rows(param)
        return rows[0] if rows else None
