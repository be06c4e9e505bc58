"""Bulk reads and writes of the imports, in chunks: the class locks, stored evaluations as
tuples, raw ``executemany``/COPY of the changed rows, and the roster's bulk writes.

Nothing here decides: the plans (``roster``, ``evaluations``) have been validated completely
before any of these writers runs, inside the service's one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection

from hocba.apps.directory.models import Enrolment, Guardian, Guardianship, SchoolClass, Student

BATCH = 1000
STUDENT_FIELDS = (
    "full_name",
    "sex",
    "date_of_birth",
    "ethnicity",
    "nationality",
    "place_of_birth",
    "home_town",
    "residence",
    "personal_id",
)
GUARDIAN_FIELDS = ("full_name", "year_of_birth", "occupation", "phone")

if TYPE_CHECKING:
    from hocba.apps.imports.roster import RosterPlan


def chunks(items: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def in_bulk(qs: Any, field: str, values: Sequence[Any]) -> list[Any]:
    """``qs.filter(<field>__in=values)`` in chunks (SQLite caps the number of parameters)."""
    out: list[Any] = []
    for chunk in chunks(list(values)):
        out.extend(qs.filter(**{f"{field}__in": chunk}))
    return out


def values_in_bulk(
    qs: Any, field: str, values: Sequence[Any], columns: tuple[str, ...]
) -> list[Any]:
    out: list[Any] = []
    for chunk in chunks(list(values)):
        out.extend(qs.filter(**{f"{field}__in": chunk}).values_list(*columns))
    return out


def lock_classes(class_ids: Iterable[int]) -> None:
    """Lock the class rows (in id order) until the transaction ends, as the grids do, so an
    import and a finalisation or a cell edit of the same class serialise."""
    ids = sorted(set(class_ids))
    for chunk in chunks(ids):
        list(
            SchoolClass.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def lock_students(student_ids: Iterable[int]) -> None:
    """Lock the student rows (in id order), as ``directory.enrol_student`` does, so an import
    and an enrolment of the same student elsewhere serialise before ownership is decided."""
    for chunk in chunks(sorted(set(student_ids))):
        list(
            Student.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


# --- roster ------------------------------------------------------------------------------------


def write_roster(plan: RosterPlan) -> list[Enrolment]:
    """Apply a roster plan without problems in bulk; returns the enrolments created."""
    Student.objects.bulk_create([s for _, s in plan.new_students], batch_size=BATCH)
    Student.objects.bulk_update(plan.changed_students, STUDENT_FIELDS, batch_size=BATCH)
    by_code = {s.student_code: s for s in plan.students.values()}
    by_code.update({s.student_code: s for _, s in plan.new_students})
    if any(s.pk is None for _, s in plan.new_students):  # a backend without RETURNING
        by_code.update(
            {s.student_code: s for s in in_bulk(Student.objects, "student_code", plan.codes)}
        )
    created = [
        Enrolment(
            student=by_code[row.student_code],
            school_class=cls,
            register_number=row.register_number,
            enrolled_on=row.enrolled_on or plan.school_year.start_date,
        )
        for row, cls in plan.new_enrolments
    ]
    Enrolment.objects.bulk_create(created, batch_size=BATCH)
    Enrolment.objects.bulk_update(
        plan.changed_enrolments, ["register_number", "enrolled_on"], batch_size=BATCH
    )
    guardians = [
        Guardian(**{f: getattr(g, f) for f in GUARDIAN_FIELDS}) for _, g in plan.new_guardians
    ]
    Guardian.objects.bulk_create(guardians, batch_size=BATCH)
    Guardianship.objects.bulk_create(
        [
            Guardianship(student=by_code[row.student_code], guardian=guardian, relation=g.relation)
            for (row, g), guardian in zip(plan.new_guardians, guardians, strict=True)
        ],
        batch_size=BATCH,
    )
    Guardian.objects.bulk_update(plan.changed_guardians, GUARDIAN_FIELDS, batch_size=BATCH)
    return created


# --- evaluations: raw rows ---------------------------------------------------------------------


def stored(
    model: Any, enrolment_ids: Sequence[int], key_fields: tuple[str, ...], values: tuple[str, ...]
) -> dict[tuple[Any, ...], tuple[int, list[Any]]]:
    """key -> (pk, [value fields]) of the stored rows of these enrolments (one raw SELECT per
    chunk of enrolments: the ORM's per-row work would cost more than the comparison)."""
    q = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(
        q(meta.get_field(f).column) for f in ("pk", *key_fields, *values) if f != "pk"
    )
    n_key = len(key_fields)
    out = {}
    with connection.cursor() as cursor:
        for chunk in chunks(sorted(set(enrolment_ids))):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {q(meta.pk.column)}, {columns} FROM {q(meta.db_table)} "
                f"WHERE {q(meta.get_field('enrolment').column)} IN ({marks})",
                list(chunk),
            )
            for t in cursor.fetchall():
                out[t[1 : 1 + n_key]] = (t[0], list(t[1 + n_key :]))
    return out


def executemany(sql: str, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        for chunk in chunks(rows, 5000):
            cursor.executemany(sql, chunk)


def insert(model: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """New rows: PostgreSQL's COPY (one stream instead of a statement per row), elsewhere
    ``executemany`` of one INSERT."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        executemany(insert_sql(model, columns), rows)
        return
    q = connection.ops.quote_name
    cols = ", ".join(q(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {q(model._meta.db_table)} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def insert_sql(model: Any, columns: Sequence[str]) -> str:
    q = connection.ops.quote_name
    cols = ", ".join(q(model._meta.get_field(c).column) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {q(model._meta.db_table)} ({cols}) VALUES ({marks})"


def update_sql(model: Any, columns: Sequence[str]) -> str:
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(model._meta.get_field(c).column)} = %s" for c in columns)
    return f"UPDATE {q(model._meta.db_table)} SET {sets} WHERE {q(model._meta.pk.column)} = %s"
