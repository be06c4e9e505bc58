"""Errors of school transfers (Vietnamese message for users, English detail for logs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hocba.errors import HocbaError

if TYPE_CHECKING:
    from hocba.verify.bundle import BundleReport


class TransferError(HocbaError):
    """A transfer package cannot be made or taken in."""

    code = "transfer.error"


class NothingToTransfer(TransferError):
    code = "transfer.nothing_to_send"


class PackageRefused(TransferError):
    """The package did not verify: nothing was written. ``report`` says why."""

    code = "transfer.refused"

    def __init__(self, report: BundleReport) -> None:
        reasons = "; ".join(p.message_vi for p in report.problems if p.severity != "info")
        super().__init__(
            f"Gói chuyển trường bị từ chối ({report.verdict.label_vi}): {reasons}",
            detail=f"package refused: {report.verdict.value} {sorted(report.codes())}",
        )
        self.report = report


class PackageTooLarge(TransferError):
    code = "transfer.too_large"


class StudentConflict(TransferError):
    code = "transfer.student_conflict"


class UnknownClass(TransferError):
    code = "transfer.unknown_class"


class SealPinRequired(TransferError):
    """The seal's key asks for a PIN typed at each use and none was given."""

    code = "transfer.seal_pin_required"
