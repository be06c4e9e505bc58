"""Errors of school administration (Vietnamese message for users, English detail for logs)."""

from __future__ import annotations

from hocba.errors import HocbaError


class SchoolAdminError(HocbaError):
    """A school administration request cannot be carried out."""

    code = "schooladmin.error"


class UsernameTaken(SchoolAdminError):
    code = "schooladmin.username_taken"


class InvalidSubject(SchoolAdminError):
    code = "schooladmin.invalid_subject"


class InvalidTeacher(SchoolAdminError):
    code = "schooladmin.invalid_teacher"


class CannotLeave(SchoolAdminError):
    """The student has no open enrolment at this school, or the date is before it began."""

    code = "schooladmin.cannot_leave"
