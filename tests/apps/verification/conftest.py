"""A small demo school in the database, with some records issued (as the signing workflow
leaves them: status ISSUED and a stored PDF)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from hocba.apps.directory.models import Enrolment
from hocba.apps.records.demo import load_demo_school
from hocba.apps.records.models import RecordVersion
from hocba.demo.generate import demo_school
from hocba.spec import canonical_json, record_digest


def issue(version: RecordVersion, pdf: bytes = b"%PDF-1.7 signed record\n") -> RecordVersion:
    version.pdf.save(f"{version.record_id}-v{version.version}.pdf", ContentFile(pdf), save=False)
    version.status = RecordVersion.Status.ISSUED
    version.issued_at = timezone.now()
    version.save()
    return version


@pytest.fixture
def stored(db: None, settings, tmp_path) -> list[tuple[Enrolment, RecordVersion]]:
    settings.MEDIA_ROOT = tmp_path / "media"
    return load_demo_school(demo_school(seed=11, classes_per_grade=1, students_per_class=3))


@pytest.fixture
def class_3a(stored):
    """The three enrolments (and their versions) of class 3A, by student code."""
    rows = [(e, v) for e, v in stored if e.school_class.name == "3A"]
    return sorted(rows, key=lambda row: row[0].student.student_code)


@pytest.fixture(scope="session")
def signed_pdf(tmp_path_factory) -> tuple[bytes, object, object]:
    """A real rendered record, signed GVCN → principal → seal with a demo PKI; and the PKI
    directory (its trust list is what the page must trust), and the record."""
    from hocba.render import Renderer
    from hocba.signing import init_pki, sign_all

    school = demo_school(seed=11, classes_per_grade=1, students_per_class=1)
    record = school.classes[2].students[0].record
    pki_dir = tmp_path_factory.mktemp("pki")
    pki = init_pki(
        pki_dir,
        teachers=[c.homeroom_teacher for c in school.classes],
        principal=school.principal,
        school=school.school.name,
    )
    by_role = {s.role: pki.load_signer(s.role, s.full_name) for s in record.signers}
    pdf = sign_all(Renderer().render(record), by_role, pki.timestamper(), trust=pki.trust())
    return pdf, pki_dir / "trust", record


@pytest.fixture
def issued_here(class_3a, signed_pdf, settings):
    """The signed PDF's record, issued (current) on this server; the trust list configured."""
    _pdf, trust, record = signed_pdf
    settings.HOCBA_TRUST_DIR = str(trust)
    RecordVersion.objects.filter(record_id=record.record_id).delete()
    return RecordVersion.objects.create(
        enrolment=class_3a[0][0],
        record_id=record.record_id,
        version=record.version,
        digest=record_digest(record),
        canonical=canonical_json(record),
        status=RecordVersion.Status.ISSUED,
    )
