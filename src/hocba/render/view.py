"""What the template prints: a record turned into plain, pre-formatted Vietnamese strings.

The Typst template only lays text out; every label, date and number format is decided here,
so it can be tested without rendering. The result is handed to Typst as JSON data, never
spliced into Typst source.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from hocba.errors import CatalogError
from hocba.spec import (
    Guardian,
    PlanSubjectMode,
    Rating,
    Record,
    SignerRole,
    grade_catalog,
    record_digest,
)
from hocba.spec.token import QrToken, printed_digest_lines

UNIT_LABELS = {"province": "Tỉnh/Thành phố", "district": "Quận/Huyện", "commune": "Xã/Phường"}
COMPETENCE_GROUPS = {"chung": "Những năng lực chung", "dac_thu": "Những năng lực đặc thù"}


def verification_token(record: Record, digest: str | None = None) -> str:
    """``HOCBA:1:<record_id>:<version>:<sha256 hex>`` — in the PDF keywords and the QR code."""
    return str(QrToken(record.record_id, record.version, digest or record_digest(record)))


def url_parts(url: str) -> list[str]:
    """``url`` cut after its host and after each ``/``: the template keeps each part whole, so
    a printed address breaks only after a ``/``, never at a ``-`` a reader would drop."""
    host_end = url.find("/", url.find("//") + 2) if "//" in url else -1
    if host_end < 0:
        return [url]
    rest = re.findall(r"[^/]*/|[^/]+$", url[host_end + 1 :])
    return [url[: host_end + 1], *rest]


LONG_WORD = re.compile(r"[^\s\u200b]{25,}")
SOFT_BREAK = "\u200b"  # zero-width space: a line-break opportunity that prints nothing
NOT_SOFTENED = frozenset({"title", "author", "keywords", "verify"})


def soften(text: str) -> str:
    """Let Typst break words too long for a table cell (a pasted URL, a typo without
    spaces): a zero-width space every 12 characters inside runs of 25 or more."""
    return LONG_WORD.sub(
        lambda m: SOFT_BREAK.join(m[0][i : i + 12] for i in range(0, len(m[0]), 12)), text
    )


def _soften_all(value: Any) -> Any:
    if isinstance(value, str):
        return soften(value)
    if isinstance(value, list):
        return [_soften_all(v) for v in value]
    if isinstance(value, dict):
        return {k: _soften_all(v) for k, v in value.items()}
    return value


def full_date(day: dt.date) -> str:
    """``dd/mm/yyyy``."""
    return day.strftime("%d/%m/%Y")


def written_date(day: dt.date) -> str:
    """``ngày 05 tháng 02 năm 2025``: a leading zero for days < 10 and months 1–2, as in
    Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def decimal(value: float) -> str:
    """A number with a decimal comma, without a trailing ``,0``."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _person(person: Guardian | None) -> dict[str, str]:
    if person is None:
        return {"name": "", "born": "", "occupation": ""}
    born = str(person.year_of_birth) if person.year_of_birth else ""
    return {"name": person.full_name, "born": born, "occupation": person.occupation or ""}


def _rating(rating: Rating) -> dict[str, str]:
    return {"name": rating.name, "level": rating.level.label_vi, "comment": rating.comment}


def _competence_groups(record: Record) -> list[dict[str, Any]]:
    """Competences under "chung" / "đặc thù" headings from the catalog; one untitled group
    when the catalog has no entry for the record's year and grade."""
    try:
        groups = {
            c.code: c.group for c in grade_catalog(record.school_year, record.grade).competences
        }
    except CatalogError:
        groups = {}
    out: list[dict[str, Any]] = []
    for rating in record.competences:
        title = COMPETENCE_GROUPS.get(groups.get(rating.code, ""), "")
        if not out or out[-1]["title"] != title:
            out.append({"title": title, "rows": []})
        out[-1]["rows"].append(_rating(rating))
    return out


def _supplementary(record: Record) -> dict[str, Any] | None:
    sup = record.supplementary
    if sup is None:
        return None
    names = {s.code: s.name for s in record.subjects}
    return {
        "date": full_date(sup.assessed_on),
        "subjects": [
            {
                "name": names.get(s.code, s.code),
                "level": s.level.label_vi,
                "score": "" if s.test_score is None else str(s.test_score),
            }
            for s in sup.subjects
        ],
        "ratings": [_rating(r) for r in (*sup.qualities, *sup.competences)],
        "comment": sup.comment,
    }


PLAN_LINE = "Học sinh khuyết tật, đánh giá theo kế hoạch giáo dục cá nhân"
EXEMPTED_LABEL = "Miễn"
BY_PLAN_NOTE = "Theo kế hoạch giáo dục cá nhân."


def _plan(record: Record) -> dict[str, str] | None:
    """The line a student with an individual education plan carries (TT27 Art. 8)."""
    plan = record.individual_plan
    return None if plan is None else {"line": PLAN_LINE, "reference": plan.reference}


def _subjects(record: Record) -> list[dict[str, str]]:
    """One row per subject; with a plan (TT27 Art. 8), exempted subjects get a "Miễn" row in
    the catalog's order and subjects assessed by the plan say so in their comment."""
    rows = [
        (
            s.code,
            {
                "name": s.name,
                "level": s.level.label_vi,
                "score": "" if s.test_score is None else str(s.test_score),
                "comment": s.comment,
            },
        )
        for s in record.subjects
    ]
    plan = record.individual_plan
    if plan is None:
        return [row for _, row in rows]
    try:
        order = [s.code for s in grade_catalog(record.school_year, record.grade).subjects]
        names = {s.code: s.name for s in grade_catalog(record.school_year, record.grade).subjects}
    except CatalogError:
        order, names = [], {}
    for entry in plan.subjects:
        if entry.mode is PlanSubjectMode.EXEMPTED:
            row = {"name": names.get(entry.code, entry.code), "level": EXEMPTED_LABEL}
            rows.append((entry.code, {**row, "score": "", "comment": entry.comment}))
        else:
            for code, row in rows:
                if code == entry.code:
                    row["comment"] = " ".join(
                        filter(None, (BY_PLAN_NOTE, entry.comment, row["comment"]))
                    )
    rank = {code: i for i, code in enumerate(order)}
    rows.sort(key=lambda pair: rank.get(pair[0], len(rank)))
    return [row for _, row in rows]


def _signers(record: Record) -> dict[str, dict[str, Any]]:
    planned = {s.role: s for s in record.signers}
    out = {}
    for role in SignerRole:
        signer = planned.get(role)
        out[role.value] = {
            "name": signer.full_name if signer else "",
            "title": signer.title if signer else role.label_vi,
            "planned": signer is not None,
        }
    return out


def _completion(record: Record) -> str:
    if record.completion is None:
        return ""
    if record.completion.statement:
        return record.completion.statement
    return "Hoàn thành" if record.completion.completed else "Chưa hoàn thành"


def _promotion(record: Record) -> dict[str, str] | None:
    """The principal's decision (TT27 Art. 11.1c); never at grade 5, which only completes the
    primary programme or not (Art. 11.2) — the rules refuse such a record."""
    if record.promotion is None or record.grade == 5:
        return None
    return {
        "decision": record.promotion.decision.label_vi,
        "date": full_date(record.promotion.decided_on),
    }


def record_view(record: Record, *, verify_url: str, digest: str | None = None) -> dict[str, Any]:
    """The data the template prints, as JSON-ready strings, lists and dicts."""
    digest = digest or record_digest(record)
    token = verification_token(record, digest)
    student, school, health = record.student, record.school, record.health
    view = {
        "title": f"Học bạ tiểu học — {student.full_name} — lớp {record.class_name}, "
        f"năm học {record.school_year}",
        "author": school.name,
        "keywords": [token, f"record:{record.record_id}", "học bạ số", record.scheme],
        "school": {
            "name": school.name,
            "code": school.code,
            "managing_unit": school.managing_unit or "",
            "units": [
                {"label": UNIT_LABELS[u.level], "name": u.name}
                for u in reversed(school.administrative_units)
            ],
        },
        "student": {
            "full_name": student.full_name,
            "sex": "Nữ" if student.sex.value == "nữ" else "Nam",
            "date_of_birth": full_date(student.date_of_birth),
            "ethnicity": student.ethnicity,
            "nationality": student.nationality,
            "place_of_birth": student.place_of_birth,
            "home_town": student.home_town or "",
            "residence": student.residence,
            "father": _person(student.father),
            "mother": _person(student.mother),
            "guardian": _person(student.guardian),
            "personal_id": student.personal_id or "",
            "student_code": student.student_code,
        },
        "history": [
            {
                "school_year": row.school_year,
                "class_name": row.class_name,
                "school_name": row.school_name,
                "register_number": row.register_number or "",
                "enrolled_on": full_date(row.enrolled_on) if row.enrolled_on else "",
                "note": row.note or "",
            }
            for row in record.study_history
        ],
        "year": {
            "school_year": record.school_year,
            "class_name": record.class_name,
            "height": f"{health.height_cm} cm" if health.height_cm else "",
            "weight": f"{decimal(health.weight_kg)} kg" if health.weight_kg else "",
            "excused": str(record.absences.excused),
            "unexcused": str(record.absences.unexcused),
        },
        "subjects": _subjects(record),
        "plan": _plan(record),
        "qualities": [_rating(q) for q in record.qualities],
        "competence_groups": _competence_groups(record),
        "overall": record.overall_result.label_vi if record.overall_result else "",
        "commendations": [c.title for c in record.commendations],
        "completion": _completion(record),
        "supplementary": _supplementary(record),
        "promotion": _promotion(record),
        "correction": {"supersedes": record.supersedes or "", "reason": record.correction_reason}
        if record.version > 1 or record.supersedes
        else None,
        "place_date": f"{record.place}, {written_date(record.dated)}",
        "signers": _signers(record),
        "verify": {
            "token": token,
            "url": verify_url,
            "url_parts": url_parts(verify_url),
            "record_id": record.record_id,
            "version": str(record.version),
            "digest_lines": printed_digest_lines(digest),
        },
    }
    return {k: v if k in NOT_SOFTENED else _soften_all(v) for k, v in view.items()}
