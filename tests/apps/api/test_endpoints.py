"""Every read endpoint's happy path, cursor pagination, file content types, and the wall
between schools: a token of school A gets 404 for anything of school B."""

from __future__ import annotations

from lxml import etree

from hocba.apps.audit.models import AuditEvent
from hocba.apps.directory.models import SchoolClass
from hocba.spec import load_record
from tests.apps.api.conftest import PDF, assert_error, issue

BASE = "/api/v1"


def test_classes_lists_only_the_schools_classes_with_finalisation_state(world, api):
    body = api.get(f"{BASE}/classes", limit=100).json()
    ids = {c["id"] for c in body["items"]}
    assert ids == set(SchoolClass.objects.filter(school=world.school).values_list("pk", flat=True))
    assert world.other_cls.pk not in ids
    assert body["next_cursor"] is None and body["next"] is None
    first = next(c for c in body["items"] if c["id"] == world.cls.pk)
    assert first["locked"] is False and first["finalised_at"] is None
    assert first["students"] == 2 and first["record_statuses"] == {"issued": 2}


def test_classes_filter_by_school_year(world, api):
    body = api.get(f"{BASE}/classes", school_year="2024-2025").json()
    assert {c["school_year"] for c in body["items"]} == {"2024-2025"}
    assert len(body["items"]) == 4  # grades 1–4 (grade 5 moved to school B)


def test_class_pagination_walks_every_class_once(world, api):
    seen, url, pages = [], f"{BASE}/classes?limit=2", 0
    while url:
        body = api.client.get(url, headers=api.headers).json()
        seen += [c["id"] for c in body["items"]]
        url, pages = body["next"], pages + 1
        assert (body["next_cursor"] is None) == (url is None)
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert len(seen) == SchoolClass.objects.filter(school=world.school).count()
    assert pages == -(-len(seen) // 2)


def test_one_class(world, api):
    body = api.get(f"{BASE}/classes/{world.cls.pk}").json()
    assert body["id"] == world.cls.pk and body["name"] == world.cls.name


def test_findings_give_working_data_results_and_rule_findings(world, api):
    body = api.get(f"{BASE}/classes/{world.cls.pk}/findings").json()
    assert body["school_class"]["id"] == world.cls.pk
    assert len(body["students"]) == 2
    student = body["students"][0]
    assert student["status"] == "issued" and student["editable"] is True
    assert student["overall_result"] in {"HTXS", "HTT", "HT", "CHT"}
    assert {s["code"] for s in student["subjects"]} >= {"TV", "TOAN"}
    assert student["qualities"] and student["competences"]
    assert all(set(f) == {"code", "severity", "message", "path", "article"}
               for f in student["findings"])  # fmt: skip


def test_records_list_pagination_across_pages(world, api):
    first = api.get(f"{BASE}/records", limit=3).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    assert first["next"].startswith(f"{BASE}/records?") and "cursor=" in first["next"]
    second = api.get(f"{BASE}/records", limit=3, cursor=first["next_cursor"]).json()
    ids = [r["id"] for r in first["items"] + second["items"]]
    assert ids == [v.pk for v in world.issued]
    assert second["next_cursor"] is None
    item = first["items"][0]
    assert item["digest"] == world.issued[0].digest and item["class_id"] == world.cls.pk
    assert item["links"]["pdf"] == f"{BASE}/records/{item['id']}/pdf"


def test_records_filters(world, api):
    body = api.get(f"{BASE}/records", class_id=world.cls.pk).json()
    assert [r["id"] for r in body["items"]] == [v.pk for v in world.issued[:2]]
    assert api.get(f"{BASE}/records", school_year="2023-2024").json()["items"] == []


def test_a_new_record_never_shifts_a_page(world, api):
    first = api.get(f"{BASE}/records", limit=2).json()
    current = SchoolClass.objects.filter(school=world.school, school_year__code="2024-2025")
    issue(current.order_by("grade")[2])
    rest = api.get(f"{BASE}/records", limit=100, cursor=first["next_cursor"]).json()
    assert [r["id"] for r in rest["items"]][:2] == [v.pk for v in world.issued[2:4]]


def test_record_metadata(world, api):
    version = world.issued[0]
    body = api.get(f"{BASE}/records/{version.pk}").json()
    assert body["record_id"] == str(version.record_id) and body["version"] == version.version


def test_record_files_have_their_content_types_and_are_audited(world, api):
    version = world.issued[0]
    pdf = api.get(f"{BASE}/records/{version.pk}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content == PDF
    js = api.get(f"{BASE}/records/{version.pk}/json")
    assert js["Content-Type"] == "application/json" and js.content == bytes(version.canonical)
    xml = api.get(f"{BASE}/records/{version.pk}/xml")
    assert xml["Content-Type"] == "application/xml"
    assert etree.fromstring(xml.content).tag == "{urn:hocba:record:tt27:1}record"
    assert load_record(js.content).student.student_code
    views = AuditEvent.objects.filter(tag="record:version:viewed", subject_id=str(version.pk))
    assert [e.data["format"] for e in views.order_by("seq")] == ["pdf", "json", "xml"]
    assert {e.data["channel"] for e in views} == {"api"}
    assert {e.actor_label for e in views} == {f"api:{world.token.split('_')[1]}"}


def test_unissued_records_are_not_served(world, api):
    from hocba.apps.records.models import RecordVersion

    draft = (
        RecordVersion.objects.filter(enrolment__school_class__school=world.school)
        .exclude(status="issued")
        .first()
    )
    assert_error(api.get(f"{BASE}/records/{draft.pk}"), 404, "not_found")
    assert_error(api.get(f"{BASE}/records/{draft.pk}/pdf"), 404, "not_found")


# --- school A's token on school B: 404, exactly as for what does not exist ---------------------


def test_token_of_school_a_cannot_read_school_b(world, api, api_b):
    theirs = world.other_issued[0]
    for path in (
        f"{BASE}/classes/{world.other_cls.pk}",
        f"{BASE}/classes/{world.other_cls.pk}/findings",
        f"{BASE}/records/{theirs.pk}",
        f"{BASE}/records/{theirs.pk}/pdf",
        f"{BASE}/records/{theirs.pk}/json",
        f"{BASE}/records/{theirs.pk}/xml",
    ):
        assert_error(api.get(path), 404, "not_found")
        assert api_b.get(path).status_code == 200, path  # the owner can
    assert api.get(f"{BASE}/records", class_id=world.other_cls.pk).json()["items"] == []
    listed = {r["id"] for r in api_b.get(f"{BASE}/records", limit=100).json()["items"]}
    assert listed == {v.pk for v in world.other_issued}
    assert not AuditEvent.objects.filter(
        tag="record:version:viewed", actor_label=f"api:{world.token.split('_')[1]}"
    ).exists()


def test_the_signed_xml_is_served_when_stored(world, api):
    from django.core.files.base import ContentFile

    version = world.issued[1]
    signed = b'<?xml version="1.0"?><record xmlns="urn:hocba:record:tt27:1"><Signature/></record>'
    version.xml.save(f"{version.record_id}.xml", ContentFile(signed))
    response = api.get(f"{BASE}/records/{version.pk}/xml")
    assert response["Content-Type"] == "application/xml" and response.content == signed
