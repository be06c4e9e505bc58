from __future__ import annotations

from hocba.errors import HocbaError


class RecordImmutable(HocbaError):
    """An issued record version cannot change; a correction is a new version (DOMAIN §6)."""

    code = "record.immutable"


class EntryRefused(HocbaError):
    """Working data cannot change now: the class is finalised or the record already signed.

    Views answer 409 and write nothing (DOMAIN §6).
    """

    code = "evaluation.locked"


class InvalidEntry(HocbaError):
    """One entered value breaks a rule (e.g. a score that is not an integer 0–10)."""

    code = "evaluation.invalid"

    def __init__(self, message_vi: str, *, field: str, detail: str = "") -> None:
        super().__init__(message_vi, detail=detail or f"invalid value for {field}")
        self.field = field


class FinaliseBlocked(HocbaError):
    """Finalisation refused while any record of the class has an error finding."""

    code = "class.finalise_blocked"

    def __init__(self, problems: list[tuple[object, object]]) -> None:
        super().__init__(
            f"Chưa thể chốt lớp: còn {len(problems)} lỗi cần sửa.",
            detail=f"{len(problems)} error finding(s)",
        )
        self.problems = problems


class CommendationsPending(HocbaError):
    """Finalisation refused while commendation proposals wait for the principal's decision."""

    code = "class.commendations_pending"

    def __init__(self, class_id: int, count: int) -> None:
        super().__init__(
            f"Chưa thể chốt lớp: còn {count} đề nghị khen thưởng chờ hiệu trưởng duyệt.",
            detail=f"class {class_id}: {count} commendation proposal(s) pending",
        )
        self.class_id = class_id
        self.count = count
