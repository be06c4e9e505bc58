"""Students waiting for the supplementary assessment (TT27 Art. 11) are skipped by the class's
first signing batches and signed late, in a later batch, by the same plan: GVCN → principal →
school seal."""

from __future__ import annotations

import json

import pytest

from hocba.apps.directory.models import Enrolment
from hocba.apps.records import workflow, yearend
from hocba.apps.records.models import RecordVersion
from hocba.apps.signing import services
from hocba.signing import load_pki
from hocba.spec import SupplementaryAssessment, load_record
from hocba.verify import verify_pdf
from tests.apps.records.results import set_result

pytestmark = pytest.mark.django_db
S = RecordVersion.Status


def _status(enrolment: Enrolment) -> str:
    return RecordVersion.objects.get(enrolment=enrolment).status


def test_a_student_waiting_for_the_supplementary_assessment_is_signed_late_by_the_same_plan(
    cls, gvcn, principal, pki_path
):
    early, late = Enrolment.objects.filter(school_class=cls).order_by("pk")
    set_result(late, "CHT")
    workflow.finalise_class(gvcn, cls)
    assert (_status(early), _status(late)) == (S.FINAL, S.SUPPLEMENTARY)

    first = services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    services.run_batch(services.start_principal_signing(principal, cls).pk)
    assert first.total == 1
    assert (_status(early), _status(late)) == (S.ISSUED, S.SUPPLEMENTARY)

    summer = SupplementaryAssessment.model_validate_json(
        json.dumps(
            {
                "assessed_on": "2025-08-10",
                "subjects": [{"code": "TOAN", "level": "H", "test_score": 6}],
            }
        )
    )
    yearend.save_supplementary(gvcn, late, summer)
    assert _status(late) == S.FINAL

    second = services.run_batch(services.start_gvcn_signing(gvcn, cls).pk)
    assert (second.total, second.done_count) == (1, 1)
    assert _status(late) == S.GVCN_SIGNED
    sealed = services.run_batch(services.start_principal_signing(principal, cls).pk)
    assert (sealed.total, sealed.done_count, sealed.failed_count) == (1, 1, 0)
    assert (_status(early), _status(late)) == (S.ISSUED, S.ISSUED)
    version = RecordVersion.objects.get(enrolment=late)
    record = load_record(bytes(version.canonical))
    assert record.supplementary is not None
    assert record.completion.statement == "Hoàn thành chương trình lớp 1"
    report = verify_pdf(version.pdf.read(), load_pki(pki_path).trust())
    assert report.verdict.value == "VALID"
    assert len(report.signatures) == 3
