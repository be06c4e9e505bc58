"""What a rule says about a record: a located, cited, bilingual finding."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # blocks finalisation and issuing
    WARNING = "warning"  # worth a look; does not block


@dataclass(frozen=True)
class Finding:
    code: str  # machine code, e.g. "score.missing"
    severity: Severity
    message_vi: str  # for users
    path: str  # JSON path into the record, e.g. "$.subjects[2].test_score"
    article: str  # the rule's source, e.g. "TT27 Điều 9"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message_vi,
            "path": self.path,
            "article": self.article,
        }
