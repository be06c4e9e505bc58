"""``hocba demo`` as a newcomer runs it: a subprocess on the embedded SQLite default."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema

from hocba.spec import json_schema, load_record
from hocba.spec.xml import from_xml


def run_demo(tmp_path, *args):
    env = {**os.environ, "HOCBA_HOME": str(tmp_path / "home"), "COLUMNS": "160"}
    env.pop("HOCBA_TEST_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "hocba.cli", "demo", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=600,
    )


def test_demo_writes_valid_records_and_prints_a_summary(tmp_path):
    out = tmp_path / "out"
    proc = run_demo(
        tmp_path,
        "--out",
        str(out),
        "--seed",
        "5",
        "--classes-per-grade",
        "1",
        "--students-per-class",
        "8",
    )
    assert proc.returncode == 0, proc.stderr
    assert "Toàn trường" in proc.stdout and "Thời gian từng công đoạn" in proc.stdout
    files = sorted((out / "records").rglob("*.json"))
    assert len(files) == 40
    validator = jsonschema.Draft202012Validator(json_schema())
    results = set()
    for path in files:
        data = json.loads(path.read_text("utf-8"))
        assert list(validator.iter_errors(data)) == []
        record = load_record(path.read_bytes())
        assert from_xml(path.with_suffix(".xml").read_bytes()) == record
        results.add(record.overall_result.value)
        check = subprocess.run(
            [sys.executable, "-m", "hocba.cli", "check", str(path)],
            capture_output=True,
            check=False,
        )
        assert check.returncode == 0, check.stdout
    assert results == {"HTXS", "HTT", "HT", "CHT"}
    assert (tmp_path / "home" / "hocba.sqlite3").exists()
    pdfs = sorted((out / "records").rglob("*.pdf"))
    assert len(pdfs) == 40 and all(p.read_bytes().startswith(b"%PDF-") for p in pdfs)
    assert "VALID: 40." in proc.stdout
    assert "Trên web: 8 học bạ khối 1 đã ban hành" in " ".join(proc.stdout.split())
    second = "Trường thứ hai cùng tỉnh: Trường Tiểu học Ba Đình (demo) (40 học sinh"
    assert second in " ".join(proc.stdout.split())
    assert "khối 1 đã ban hành: 8 học bạ" in " ".join(proc.stdout.split())
    for stage in ("Kết xuất PDF", "Ký GVCN → hiệu trưởng → con dấu", "Xác minh"):
        assert stage in proc.stdout


def test_every_demo_pdf_verifies_valid_offline_with_the_demo_trust_list(tmp_path):
    out = tmp_path / "out"
    args = ["--seed", "3", "--classes-per-grade", "1", "--students-per-class", "2"]
    assert run_demo(tmp_path, "--out", str(out), *args).returncode == 0
    for pdf in sorted((out / "records").rglob("*.pdf")):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "hocba.cli",
                "verify",
                str(pdf),
                "--json",
                "--trust",
                str(out / "pki" / "trust"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout
        report = json.loads(proc.stdout)
        assert report["verdict"] == "VALID"
        assert [s["role"] for s in report["signatures"]] == ["gvcn", "principal", "seal"]


def test_the_same_seed_reproduces_the_same_records(tmp_path):
    args = ["--seed", "9", "--classes-per-grade", "1", "--students-per-class", "2", "--no-pdf"]
    assert run_demo(tmp_path, "--out", str(tmp_path / "a"), *args).returncode == 0
    assert run_demo(tmp_path, "--out", str(tmp_path / "b"), *args).returncode == 0
    a = {p.name: p.read_bytes() for p in (tmp_path / "a").rglob("*.json")}
    b = {p.name: p.read_bytes() for p in (tmp_path / "b").rglob("*.json")}
    assert a == b and len(a) == 10


CHECK_ISSUED = """
import json, sys
from pathlib import Path
from hocba.cli.django import setup_django
setup_django()
from hocba.apps.records.models import RecordVersion
from hocba.verify import load_trust, verify_pdf
from hocba.verify.xml import compare_pair, verify_xml
trust = load_trust(Path(sys.argv[1]))
rows = []
for v in RecordVersion.objects.filter(status="issued").select_related(
    "enrolment__school_class__school"
):
    pdf = verify_pdf(v.pdf.open("rb").read(), trust)
    xml = verify_xml(v.xml.open("rb").read(), trust) if v.xml else None
    rows.append({
        "school": v.enrolment.school_class.school.school_code,
        "pdf": pdf.verdict.value,
        "xml": xml.verdict.value if xml else None,
        "pair": compare_pair(pdf, xml).verdict.value if xml else None,
        "same_digest": bool(xml) and pdf.record.digest == xml.record.digest == v.digest,
        "xml_roles": [s.role for s in xml.signatures] if xml else [],
    })
print(json.dumps(rows))
"""


def test_every_record_the_demo_issues_has_a_signed_xml_valid_with_its_pdf_s_digest(tmp_path):
    """The demo issues grade 1 as the web's issue step does: the PDF and the XAdES-signed XML
    form, both VALID with the same record digest — in both demo schools."""
    out = tmp_path / "out"
    args = ["--seed", "4", "--classes-per-grade", "1", "--students-per-class", "2"]
    assert run_demo(tmp_path, "--out", str(out), *args).returncode == 0
    env = {**os.environ, "HOCBA_HOME": str(tmp_path / "home")}
    env.pop("HOCBA_TEST_DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-c", CHECK_ISSUED, str(out / "pki" / "trust")],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len({r["school"] for r in rows}) == 2
    assert len(rows) == 4  # 2 students of grade 1 in each school
    for row in rows:
        assert (row["pdf"], row["xml"], row["pair"]) == ("VALID", "VALID", "VALID"), row
        assert row["same_digest"], row
        assert len(row["xml_roles"]) == 3, row
