"""Tables of the directory: administrative units, the education org tree, schools, school
years, classes, students and guardians, staff, enrolments.

The org tree keeps a materialised ``path`` ("/1/7/42/", see ``tree.py``) so a subtree is one
indexed prefix query: ``OrgUnit.objects.subtree_of(node)``. Units are dated (``valid_from``/``valid_to``)
because administrative units merge and get renamed (DOMAIN §3, the 2025 reform).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone

from hocba.apps.directory.errors import InvalidOrgTree
from hocba.apps.directory.tree import (
    OrgUnitKind,
    OrgUnitQuerySet,
    check_parent,
    child_path,
    repath_subtree,
)
from hocba.apps.directory.validators import validate_personal_id, validate_school_year_code


class Dated(models.Model):
    """Valid from a day, and until a day once merged, renamed or closed (DOMAIN §3)."""

    valid_from = models.DateField("hiệu lực từ", default=timezone.localdate)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)

    class Meta:
        abstract = True
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="%(class)s_valid_dates",
            ),
        ]


class AdministrativeUnit(Dated):
    """A province, (former) district, commune or ward, valid for a period."""

    class Level(models.TextChoices):
        PROVINCE = "province", "Tỉnh/Thành phố"
        DISTRICT = "district", "Quận/Huyện"
        COMMUNE = "commune", "Xã"
        WARD = "ward", "Phường"
        TOWN = "town", "Thị trấn"
        SPECIAL_ZONE = "special_zone", "Đặc khu"

    code = models.CharField("mã", max_length=16)
    name = models.CharField("tên", max_length=200)
    level = models.CharField("cấp", max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="đơn vị cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta(Dated.Meta):
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        ordering: ClassVar = ["code", "valid_from"]
        constraints: ClassVar = [
            *Dated.Meta.constraints,
            models.UniqueConstraint(fields=["code", "valid_from"], name="adminunit_code_from_uniq"),
        ]
        indexes: ClassVar = [models.Index(fields=["level", "name"], name="adminunit_level_name")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.name}"


class OrgUnit(Dated):
    """A node of the education management tree (DOMAIN §3)."""

    Kind = OrgUnitKind

    kind = models.CharField("loại", max_length=16, choices=Kind.choices)
    code = models.CharField("mã", max_length=32, unique=True)
    name = models.CharField("tên", max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name="đơn vị cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    administrative_unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name="đơn vị hành chính",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="org_units",
    )
    path = models.CharField("đường dẫn cây", max_length=255, db_index=True, editable=False)

    objects = OrgUnitQuerySet.as_manager()

    class Meta(Dated.Meta):
        verbose_name = "đơn vị quản lý giáo dục"
        verbose_name_plural = "đơn vị quản lý giáo dục"
        ordering: ClassVar = ["path"]
        indexes: ClassVar = [models.Index(fields=["kind", "name"], name="orgunit_kind_name")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    def clean(self) -> None:
        parent = self.parent
        try:
            check_parent(
                kind=self.kind,
                path=self.path,
                parent_kind=parent.kind if parent else None,
                parent_path=parent.path if parent else None,
            )
        except InvalidOrgTree as err:
            raise ValidationError({"parent": err.message_vi}) from err

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save and keep ``path`` right for this unit and, after a move, its descendants."""
        units = OrgUnit.objects
        with transaction.atomic():
            parent_kind, parent_path = None, None
            if self.parent_id is not None:
                parent_kind, parent_path = units.values_list("kind", "path").get(pk=self.parent_id)
            stored = units.filter(pk=self.pk).values_list("path", flat=True) if self.pk else []
            self.path = next(iter(stored), "")  # the stored path, even if this object is stale
            check_parent(
                kind=self.kind, path=self.path, parent_kind=parent_kind, parent_path=parent_path
            )
            super().save(*args, **kwargs)
            new_path = child_path(parent_path, self.pk)
            if self.path and self.path != new_path:
                repath_subtree(units.all(), self.path, new_path)
            elif not self.path:
                units.filter(pk=self.pk).update(path=new_path)
            self.path = new_path


class School(models.Model):
    """A school: the org-tree node of kind ``school`` plus what the học bạ prints about it."""

    class Level(models.TextChoices):
        PRIMARY = "primary", "Tiểu học"

    GRADES: ClassVar[dict[str, range]] = {Level.PRIMARY: range(1, 6)}

    org_unit = models.OneToOneField(
        OrgUnit,
        verbose_name="đơn vị quản lý",
        on_delete=models.PROTECT,
        related_name="school",
        limit_choices_to={"kind": OrgUnit.Kind.SCHOOL},
    )
    school_code = models.CharField("mã trường", max_length=32, unique=True)
    name = models.CharField("tên trường", max_length=200)
    address = models.CharField("địa chỉ", max_length=300, blank=True)
    level = models.CharField("cấp học", max_length=16, choices=Level.choices, default=Level.PRIMARY)
    phone = models.CharField("số điện thoại", max_length=32, blank=True)
    email = models.EmailField("thư điện tử", blank=True)

    class Meta:
        verbose_name = "trường học"
        verbose_name_plural = "trường học"
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def grades(self) -> range:
        return self.GRADES[self.level]


class SchoolYear(models.Model):
    """A school year such as ``2024-2025``."""

    code = models.CharField(
        "năm học", max_length=9, unique=True, validators=[validate_school_year_code]
    )
    start_date = models.DateField("ngày bắt đầu")
    end_date = models.DateField("ngày kết thúc")

    class Meta:
        verbose_name = "năm học"
        verbose_name_plural = "năm học"
        ordering: ClassVar = ["-start_date"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")), name="schoolyear_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"Năm học {self.code}"


class Staff(models.Model):
    """A member of a school's staff (principal, vice-principal, teacher)."""

    class Position(models.TextChoices):
        PRINCIPAL = "principal", "Hiệu trưởng"
        VICE_PRINCIPAL = "vice_principal", "Phó Hiệu trưởng"
        TEACHER = "teacher", "Giáo viên"

    school = models.ForeignKey(
        School, verbose_name="trường", on_delete=models.PROTECT, related_name="staff"
    )
    full_name = models.CharField("họ và tên", max_length=100)
    position = models.CharField("chức vụ", max_length=16, choices=Position.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="tài khoản",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_roles",
    )
    active = models.BooleanField("đang công tác", default=True)

    class Meta:
        verbose_name = "cán bộ, giáo viên"
        verbose_name_plural = "cán bộ, giáo viên"
        ordering: ClassVar = ["full_name"]
        indexes: ClassVar = [models.Index(fields=["school", "active"], name="staff_school_active")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_position_display()})"


class SchoolClass(models.Model):
    """A class (lớp) of a school in one school year."""

    school = models.ForeignKey(
        School, verbose_name="trường", on_delete=models.PROTECT, related_name="classes"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name="năm học", on_delete=models.PROTECT, related_name="classes"
    )
    grade = models.PositiveSmallIntegerField(
        "khối", validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    name = models.CharField("tên lớp", max_length=20)
    homeroom_teacher = models.ForeignKey(
        Staff,
        verbose_name="giáo viên chủ nhiệm",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="homeroom_classes",
    )

    class Meta:
        verbose_name = "lớp học"
        verbose_name_plural = "lớp học"
        ordering: ClassVar = ["grade", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="schoolclass_name_uniq"
            ),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1, grade__lte=12), name="schoolclass_grade_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Lớp {self.name}"

    def clean(self) -> None:
        if self.school_id is not None and self.grade is not None:
            grades = self.school.grades
            if self.grade not in grades:
                raise ValidationError(
                    {"grade": f"Khối lớp phải từ {grades[0]} đến {grades[-1]}."}, code="grade"
                )


class Student(models.Model):
    """A student's identity as printed on the học bạ (DOMAIN §4.4)."""

    class Sex(models.TextChoices):
        MALE = "nam", "Nam"
        FEMALE = "nữ", "Nữ"

    student_code = models.CharField("mã học sinh", max_length=32, unique=True)
    # Some students have no number yet (DOMAIN §2): null, unique when present, never logged.
    personal_id = models.CharField(
        "số định danh cá nhân",
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_personal_id],
    )
    full_name = models.CharField("họ và tên", max_length=100)
    sex = models.CharField("giới tính", max_length=3, choices=Sex.choices)
    date_of_birth = models.DateField("ngày sinh")
    ethnicity = models.CharField("dân tộc", max_length=50, default="Kinh")
    nationality = models.CharField("quốc tịch", max_length=50, default="Việt Nam")
    place_of_birth = models.CharField("nơi sinh", max_length=200, blank=True)
    home_town = models.CharField("quê quán", max_length=200, blank=True)
    residence = models.CharField("nơi ở hiện nay", max_length=300, blank=True)

    class Meta:
        verbose_name = "học sinh"
        verbose_name_plural = "học sinh"
        ordering: ClassVar = ["student_code"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(personal_id__isnull=True)
                | models.Q(Exact(Length("personal_id"), 12)),
                name="student_personal_id_length",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["full_name"], name="student_full_name")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.student_code})"

    @property
    def masked_personal_id(self) -> str:
        """Only the last four digits: ``********1234``; empty when the student has none."""
        if not self.personal_id:
            return ""
        return "*" * (len(self.personal_id) - 4) + self.personal_id[-4:]


class Guardian(models.Model):
    """A parent or legal guardian."""

    full_name = models.CharField("họ và tên", max_length=100)
    year_of_birth = models.PositiveSmallIntegerField("năm sinh", null=True, blank=True)
    occupation = models.CharField("nghề nghiệp", max_length=100, blank=True)
    phone = models.CharField("số điện thoại", max_length=32, blank=True)

    class Meta:
        verbose_name = "phụ huynh"
        verbose_name_plural = "phụ huynh"
        ordering: ClassVar = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class Guardianship(models.Model):
    """Who a guardian is to a student: father, mother or legal guardian."""

    class Relation(models.TextChoices):
        FATHER = "father", "Cha"
        MOTHER = "mother", "Mẹ"
        GUARDIAN = "guardian", "Người giám hộ"

    student = models.ForeignKey(
        Student, verbose_name="học sinh", on_delete=models.CASCADE, related_name="guardianships"
    )
    guardian = models.ForeignKey(
        Guardian, verbose_name="phụ huynh", on_delete=models.CASCADE, related_name="guardianships"
    )
    relation = models.CharField("quan hệ", max_length=16, choices=Relation.choices)

    class Meta:
        verbose_name = "quan hệ giám hộ"
        verbose_name_plural = "quan hệ giám hộ"
        ordering: ClassVar = ["student_id", "relation"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["student", "guardian"], name="guardianship_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.get_relation_display()}: {self.guardian}"


class Enrolment(models.Model):
    """A student in a class for a school year, with the register number (số đăng bộ)."""

    class Kind(models.TextChoices):
        NEW = "new", "Nhập học mới"
        TRANSFERRED_IN = "transferred_in", "Chuyển đến"

    class LeftReason(models.TextChoices):
        TRANSFERRED = "transferred", "Chuyển trường"
        DROPPED_OUT = "dropped_out", "Thôi học"
        OTHER = "other", "Lý do khác"

    student = models.ForeignKey(
        Student, verbose_name="học sinh", on_delete=models.PROTECT, related_name="enrolments"
    )
    school_class = models.ForeignKey(
        SchoolClass, verbose_name="lớp", on_delete=models.PROTECT, related_name="enrolments"
    )
    register_number = models.CharField("số đăng bộ", max_length=32)
    enrolled_on = models.DateField("ngày vào lớp")
    left_on = models.DateField("ngày rời lớp", null=True, blank=True)
    left_reason = models.CharField(
        "lý do rời trường", max_length=16, choices=LeftReason.choices, blank=True, default=""
    )
    kind = models.CharField("hình thức", max_length=16, choices=Kind.choices, default=Kind.NEW)

    class Meta:
        verbose_name = "ghi danh"
        verbose_name_plural = "ghi danh"
        ordering: ClassVar = ["enrolled_on", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["student", "school_class"], name="enrolment_uniq"),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(left_on__gte=models.F("enrolled_on")),
                name="enrolment_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} – {self.school_class}"
