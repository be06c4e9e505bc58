"""Errors of the directory (org tree, schools, classes, people, enrolments).

Messages for users are Vietnamese; ``detail`` is English for logs and never carries a personal
ID number.
"""

from __future__ import annotations

from hocba.errors import HocbaError


class DirectoryError(HocbaError):
    """Base of the directory's errors."""

    code = "directory.error"


class InvalidOrgTree(DirectoryError):
    """A unit would sit under the wrong kind of parent, or under itself."""

    code = "directory.invalid_org_tree"


class InvalidSchoolYear(DirectoryError):
    """A school year code is not ``YYYY-YYYY`` with consecutive years, or its dates are wrong."""

    code = "directory.invalid_school_year"


class InvalidGrade(DirectoryError):
    """A class grade is outside the school level's grades (1–5 for primary)."""

    code = "directory.invalid_grade"


class InvalidPersonalId(DirectoryError):
    """A personal ID number (số định danh cá nhân) is not exactly 12 digits."""

    code = "directory.invalid_personal_id"


class InvalidEnrolment(DirectoryError):
    """An enrolment contradicts the student's other enrolments or its own dates."""

    code = "directory.invalid_enrolment"


class InvalidStaff(DirectoryError):
    """A staff member does not belong where they are assigned."""

    code = "directory.invalid_staff"


class AlreadyExists(DirectoryError):
    """A unique code or combination is already taken."""

    code = "directory.already_exists"


class InvalidChoice(DirectoryError):
    """A value is not one of a field's choices (kind, level, sex, relation…)."""

    code = "directory.invalid_choice"


class UnknownStudent(DirectoryError):
    """No student of the acting school has this code (or is this student). A student of
    another school gets exactly this answer: codes never reveal other schools' students."""

    code = "directory.unknown_student"
