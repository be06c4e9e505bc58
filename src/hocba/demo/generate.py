"""A reproducible demo school: people and evaluations that produce every TT27 result.

``demo_school(seed)`` is pure: the same seed gives the same school, byte for byte. The demo
command stores it in the database and builds the records back from there.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from hocba.demo import names
from hocba.rules import tt27
from hocba.spec import (
    SCHEMA_VERSION,
    AdministrativeUnit,
    Guardian,
    Health,
    OverallResult,
    PlannedSigner,
    Promotion,
    PromotionDecision,
    Rating,
    RatingLevel,
    RatingSpec,
    Record,
    School,
    SignerRole,
    Student,
    StudyHistoryRow,
    SubjectLevel,
    SubjectResult,
    SupplementaryAssessment,
    SupplementarySubject,
    grade_catalog,
)
from hocba.spec.citizen_id import personal_id
from hocba.spec.identity import record_uuid
from hocba.spec.models import Absences, Sex

PROVINCE = AdministrativeUnit(level="province", code="01", name="Thành phố Hà Nội")
COMMUNE = AdministrativeUnit(level="commune", code="00070", name="Phường Hoàn Kiếm")
SCHOOL = School(
    code="01000123",
    name="Trường Tiểu học Hoàn Kiếm (demo)",
    administrative_units=[PROVINCE, COMMUNE],
    managing_unit="Ủy ban nhân dân phường Hoàn Kiếm",
)
DEPARTMENT_NAME = "Sở Giáo dục và Đào tạo Hà Nội"
PLACE = "Hoàn Kiếm"
PRINCIPAL_NAME = "Nguyễn Thị Thu Hà"

# Share of students per target result; the generator aims at these, the rules decide.
PROFILES = (("HTXS", 22), ("HTT", 33), ("HT", 37), ("CHT", 8))

SUBJECT_COMMENTS = {
    "T": (
        "Nắm vững kiến thức, vận dụng tốt vào bài tập.",
        "Học tốt, tích cực phát biểu xây dựng bài.",
        "Hoàn thành tốt các nội dung học tập; trình bày sạch đẹp.",
    ),
    "H": (
        "Hoàn thành các nội dung học tập; cần cẩn thận hơn khi làm bài.",
        "Nắm được kiến thức cơ bản; cần luyện thêm kỹ năng.",
        "Có tiến bộ; cần mạnh dạn hơn khi phát biểu.",
    ),
    "C": (
        "Chưa hoàn thành một số nội dung; cần được hướng dẫn, giúp đỡ thêm.",
        "Còn chậm, kỹ năng làm bài chưa vững; cần ôn luyện thêm.",
    ),
}
RATING_COMMENTS = {
    "T": ("Thực hiện tốt.", "Tích cực, tự giác.", "Luôn gương mẫu."),
    "Đ": ("Thực hiện được.", "Có cố gắng.", "Cần chủ động hơn."),
    "C": ("Cần cố gắng nhiều hơn.", "Cần được nhắc nhở thường xuyên."),
}


@dataclass(frozen=True)
class DemoStudent:
    student: Student
    register_number: str
    record: Record


@dataclass(frozen=True)
class DemoClass:
    grade: int
    name: str
    homeroom_teacher: str
    students: tuple[DemoStudent, ...]


@dataclass(frozen=True)
class DemoSchool:
    school_year: str
    school: School
    principal: str
    classes: tuple[DemoClass, ...] = field(default_factory=tuple)


def _profile(rng: random.Random) -> str:
    return rng.choices([p[0] for p in PROFILES], weights=[p[1] for p in PROFILES])[0]


def _person(rng: random.Random, female: bool, born: int, surname: str | None = None) -> Guardian:
    return Guardian(
        full_name=names.full_name(rng, female, surname),
        year_of_birth=born,
        occupation=rng.choice(names.OCCUPATIONS),
    )


def _personal_id(rng: random.Random, female: bool, born: dt.date) -> str:
    """A citizen-ID-shaped number: birth registered in Hà Nội (001), the century-and-sex
    digit and year of birth of the child, six random digits."""
    sex = Sex.FEMALE if female else Sex.MALE
    return personal_id("001", sex, born.year, rng.randrange(10**6))


def _student(rng: random.Random, year: int, grade: int, code: str) -> Student:
    female = rng.random() < 0.49
    father = _person(rng, False, year - grade - rng.randint(24, 40))
    born = dt.date(year - 5 - grade, 1, 1) + dt.timedelta(days=rng.randrange(365))
    province = rng.choice(names.PROVINCES)
    has_id = rng.random() > 0.02  # a few children still lack a personal ID (DOMAIN §2)
    return Student(
        full_name=names.full_name(rng, female, names.surname_of(father.full_name)),
        sex=Sex.FEMALE if female else Sex.MALE,
        date_of_birth=born,
        ethnicity=names.ethnicity(rng),
        nationality="Việt Nam",
        place_of_birth=f"Bệnh viện Phụ sản {province}",
        home_town=rng.choice(names.PROVINCES),
        residence=f"Số {rng.randint(1, 199)} phố Hàng Bài, phường Hoàn Kiếm, Hà Nội",
        father=father,
        mother=_person(rng, True, year - grade - rng.randint(22, 38)),
        personal_id=_personal_id(rng, female, born) if has_id else None,
        student_code=code,
    )


def _levels_for(profile: str, rng: random.Random) -> tuple[str, str, tuple[int, int]]:
    """(subject level pool, rating level pool, score range) that lands near a profile."""
    return {
        "HTXS": ("T", "T", (9, 10)),
        "HTT": ("T", "T", (7, 10)),
        "HT": ("TH", "TĐ", (5, 10)),
        "CHT": ("THC", "TĐC", (3, 9)),
    }[profile]


def _pick(rng: random.Random, pool: str, bias: str) -> str:
    return bias if rng.random() < 0.6 else rng.choice(pool)


def _subjects(
    rng: random.Random, school_year: str, grade: int, profile: str
) -> list[SubjectResult]:
    catalog = grade_catalog(school_year, grade)
    levels, _ratings, (lo, hi) = _levels_for(profile, rng)
    subjects = []
    for spec in catalog.compulsory_subjects:
        level = _pick(rng, levels, levels[0])
        score = None
        if spec.tested:
            score = rng.randint(lo, hi)
            if level == "T":
                score = max(score, 7)
            elif level == "C":
                score = min(score, 4)
        subjects.append(
            SubjectResult(
                code=spec.code,
                name=spec.name,
                level=SubjectLevel(level),
                test_score=score,
                comment=rng.choice(SUBJECT_COMMENTS[level]),
            )
        )
    if profile == "CHT" and all(s.level != SubjectLevel.NOT_DONE for s in subjects):
        first = subjects[0]
        subjects[0] = first.model_copy(
            update={
                "level": SubjectLevel.NOT_DONE,
                "test_score": 4,
                "comment": SUBJECT_COMMENTS["C"][0],
            }
        )
    return subjects


def _ratings(rng: random.Random, specs: tuple[RatingSpec, ...], profile: str) -> list[Rating]:
    _l, pool, _s = _levels_for(profile, rng)
    out = []
    for spec in specs:
        level = _pick(rng, pool, pool[0] if profile != "CHT" else "Đ")
        out.append(
            Rating(
                code=spec.code,
                name=spec.name,
                level=RatingLevel(level),
                comment=rng.choice(RATING_COMMENTS[level]),
            )
        )
    return out


def _supplementary(rng: random.Random, rec: Record, year_end: int) -> Record:
    """Summer re-assessment (TT27 Art. 11.1b); most pass, a few get the principal's decision."""
    failed = [
        s for s in rec.subjects if s.level is SubjectLevel.NOT_DONE or (s.test_score or 10) < 5
    ]
    passes = rng.random() < 0.75
    redone = [
        SupplementarySubject(
            code=s.code,
            level=SubjectLevel.DONE if passes else SubjectLevel.NOT_DONE,
            test_score=(rng.randint(5, 8) if passes else rng.randint(2, 4))
            if s.test_score is not None
            else None,
        )
        for s in failed
    ]
    redo_ratings = [
        r.model_copy(update={"level": RatingLevel.PASS, "comment": "Đã tiến bộ."})
        for r in rec.competences
        if r.level is RatingLevel.NEEDS_EFFORT
    ]
    redo_qualities = [
        r.model_copy(update={"level": RatingLevel.PASS, "comment": "Đã tiến bộ."})
        for r in rec.qualities
        if r.level is RatingLevel.NEEDS_EFFORT
    ]
    sup = SupplementaryAssessment(
        assessed_on=dt.date(year_end, 8, 5),
        subjects=redone,
        qualities=redo_qualities,
        competences=redo_ratings,
        comment="Đã được hướng dẫn, giúp đỡ trong hè.",
    )
    rec = rec.model_copy(update={"supplementary": sup})
    # Grade 5 has no promotion decision: it completes the primary programme or not (Art. 11.2).
    if rec.grade < 5 and tt27.after_supplementary(rec) is OverallResult.NOT_DONE:
        decision = PromotionDecision.PROMOTED if rng.random() < 0.5 else PromotionDecision.RETAINED
        rec = rec.model_copy(
            update={"promotion": Promotion(decision=decision, decided_on=dt.date(year_end, 8, 10))}
        )
    return rec


def make_record(
    rng: random.Random,
    *,
    school_year: str,
    grade: int,
    class_name: str,
    student: Student,
    register_number: str,
    homeroom_teacher: str,
    school: School = SCHOOL,
    principal: str = PRINCIPAL_NAME,
    profile: str | None = None,
) -> Record:
    start, end = (int(p) for p in school_year.split("-"))
    profile = profile or _profile(rng)
    catalog = grade_catalog(school_year, grade)
    history = [
        StudyHistoryRow(
            school_year=f"{start - back}-{end - back}",
            class_name=f"{grade - back}{class_name[1:]}",
            school_name=school.name,
            register_number=register_number,
            enrolled_on=dt.date(start - grade + 1, 9, 5) if back == grade - 1 else None,
        )
        for back in range(grade - 1, -1, -1)
    ]
    identity = str(record_uuid(school.code, student.student_code, school_year))
    rec = Record(
        schema_version=SCHEMA_VERSION,
        record_id=identity,
        scheme="TT27/2020",
        school_year=school_year,
        grade=grade,
        class_name=class_name,
        school=school,
        student=student,
        study_history=history,
        health=Health(
            height_cm=105 + 6 * grade + rng.randint(-6, 6),
            weight_kg=round(16 + 3 * grade + rng.uniform(-3, 5), 1),
        ),
        absences=Absences(
            excused=rng.choice((0, 0, 0, 1, 2, 3)), unexcused=rng.choice((0, 0, 0, 0, 1))
        ),
        subjects=_subjects(rng, school_year, grade, profile),
        qualities=_ratings(rng, catalog.qualities, profile),
        competences=_ratings(rng, catalog.competences, profile),
        place=PLACE,
        dated=dt.date(end, 5, 28),
        signers=[
            PlannedSigner(
                role=SignerRole.GVCN, full_name=homeroom_teacher, title="Giáo viên chủ nhiệm"
            ),
            PlannedSigner(role=SignerRole.PRINCIPAL, full_name=principal, title="Hiệu trưởng"),
            PlannedSigner(
                role=SignerRole.SEAL, full_name=school.name, title="Con dấu số của trường"
            ),
        ],
    )
    if tt27.overall_result(rec) is OverallResult.NOT_DONE:
        rec = _supplementary(rng, rec, end)
    return tt27.with_computed_results(rec)


def demo_school(
    seed: int = 2025,
    school_year: str = "2024-2025",
    classes_per_grade: int = 2,
    students_per_class: int = 30,
) -> DemoSchool:
    rng = random.Random(seed)
    start = int(school_year[:4])
    classes = []
    serial = 0
    for grade in range(1, 6):
        for index in range(classes_per_grade):
            class_name = f"{grade}{'ABCDEFGH'[index]}"
            teacher = names.full_name(rng, rng.random() < 0.8)
            students = []
            for _ in range(students_per_class):
                serial += 1
                code = f"HS{start % 100:02d}{serial:05d}"
                student = _student(rng, start, grade, code)
                register = f"{serial:04d}/{start - grade + 1}"
                record = make_record(
                    rng,
                    school_year=school_year,
                    grade=grade,
                    class_name=class_name,
                    student=student,
                    register_number=register,
                    homeroom_teacher=teacher,
                )
                students.append(DemoStudent(student, register, record))
            classes.append(DemoClass(grade, class_name, teacher, tuple(students)))
    return DemoSchool(school_year, SCHOOL, PRINCIPAL_NAME, tuple(classes))
