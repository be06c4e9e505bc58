"""Child-process side of ``test_sigkill.py``: runs with the worker's database, not pytest's.

``python sigkill_child.py setup STUDENTS`` builds a demo school with its demo PKI, finalises
one class and starts its GVCN batch (prints the batch id); ``python sigkill_child.py report
BATCH`` prints, as JSON, what the test asserts on: each record's status, the signatures in its
PDF (read back with pyHanko and ``verify_pdf``), its audit events, and the audit chain.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

SEED = 11


def setup(students: int) -> None:
    from hocba.apps.accounts.services import create_user
    from hocba.apps.directory.models import SchoolClass
    from hocba.apps.records.demo import load_demo_school
    from hocba.apps.records.workflow import finalise_class
    from hocba.apps.signing.services import start_gvcn_signing
    from hocba.demo.generate import demo_school
    from hocba.signing import init_pki

    demo = demo_school(SEED, classes_per_grade=1, students_per_class=students)
    init_pki(
        Path(os.environ["HOCBA_PKI_DIR"]),
        teachers=sorted({c.homeroom_teacher for c in demo.classes}),
        principal=demo.principal,
        school=demo.school.name,
        key_type="ec",
    )
    load_demo_school(demo)
    cls = SchoolClass.objects.order_by("grade", "name").first()
    gvcn = create_user("gvcn-sigkill", "x-Pass-12345", role="homeroom_teacher", school_class=cls)
    finalise_class(gvcn, cls)
    print(start_gvcn_signing(gvcn, cls).pk)


def report(batch_id: int) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    from hocba.apps.audit.models import AuditEvent
    from hocba.apps.audit.services import verify_chain
    from hocba.apps.audit.tags import EventTag
    from hocba.apps.signing.backends import backend_for
    from hocba.apps.signing.models import SigningBatch
    from hocba.verify import verify_pdf

    batch = SigningBatch.objects.get(pk=batch_id)
    subject_type = "RecordVersion"
    trust = backend_for(batch.requested_by).trust()
    records = []
    for item in batch.items.select_related("record_version").order_by("pk"):
        version = item.record_version
        entry: dict[str, object] = {
            "version": version.pk,
            "status": version.status,
            "item": item.status,
            "item_signatures": item.signatures,
            "audit_added": [
                e.data
                for e in AuditEvent.objects.filter(
                    tag=EventTag.RECORD_SIGNATURE_ADDED,
                    subject_type=subject_type,
                    subject_id=str(version.pk),
                ).order_by("seq")
            ],
        }
        if version.pdf:
            with version.pdf.open("rb") as fh:
                data = fh.read()
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            entry["embedded"] = len(reader.embedded_signatures)
            checked = verify_pdf(data, trust)
            entry["signatures"] = [
                {"role": s.role.value if s.role else None, "intact": s.intact, "valid": s.valid}
                for s in checked.signatures
            ]
        records.append(entry)
    print(
        json.dumps(
            {
                "batch": {
                    "status": batch.status,
                    "total": batch.total,
                    "done": batch.done_count,
                    "failed": batch.failed_count,
                },
                "records": records,
                "chain_break": verify_chain(),
                "finished_events": AuditEvent.objects.filter(
                    tag=EventTag.SIGNING_BATCH_FINISHED, subject_id=str(batch_id)
                ).count(),
            },
            default=str,
        )
    )


if __name__ == "__main__":
    from hocba.cli.django import setup_django

    setup_django()
    if sys.argv[1] == "setup":
        setup(int(sys.argv[2]))
    else:
        report(int(sys.argv[2]))
