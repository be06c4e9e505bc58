"""Third-party patches (issue #11): ``hocba.signing.speedups`` replaces pyHanko and asn1crypto
members, including ``x509.Name.__eq__`` that issuer matching and path building rely on (a
wrong ``True`` could let a rogue CA pass for a real one). They are installed only by an
explicit ``install()`` from the bulk-signing entry points, every target still exists with
the signature it was proven on, and the patched comparison answers as asn1crypto's own."""

from __future__ import annotations

import importlib.metadata
import inspect
import os
import re
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hocba.signing import speedups
from tests.pki_fixtures import *  # noqa: F403 — the session PKI and record PDF fixtures

ROOT = Path(__file__).resolve().parents[2]

# The signature of each original when its patch was proven (pyHanko 0.38, asn1crypto 1.5).
# A new patch needs its line here; a changed signature means: prove the patch again.
RECORDED_SIGNATURES = {
    "pyhanko.pdf_utils.generic.read_hex_string_from_stream": (
        "(stream) -> Union[ForwardRef('ByteStringObject'), ForwardRef('TextStringObject')]"
    ),
    "pyhanko.pdf_utils.generic._read_string_literal_bytes": "(stream) -> bytes",
    "asn1crypto.x509.Name.__eq__": "(self, other)",
    "asn1crypto.x509.NameTypeAndValue.prepped_value": "(self)",  # the property's getter
    "pyhanko.sign.general.as_signing_certificate": (
        "(cert: asn1crypto.x509.Certificate) -> asn1crypto.tsp.SigningCertificate"
    ),
    "pyhanko.sign.general.as_signing_certificate_v2": (
        "(cert: asn1crypto.x509.Certificate, hash_algo='sha256') -> "
        "asn1crypto.tsp.SigningCertificateV2"
    ),
    "pyhanko.sign.attributes.as_signing_certificate_v2": (
        "(cert: asn1crypto.x509.Certificate, hash_algo='sha256') -> "
        "asn1crypto.tsp.SigningCertificateV2"
    ),
}
# Members the replacements themselves use.
RECORDED_HELPERS = {
    ("pyhanko.pdf_utils.generic", "pdf_string"): (
        "(string: str | bytes | bytearray) -> "
        "Union[ForwardRef('ByteStringObject'), ForwardRef('TextStringObject')]"
    ),
}


@pytest.fixture
def unpatched() -> Iterator[None]:
    """Run with the libraries' own members; the process's previous state is restored."""
    was = speedups.installed()
    speedups.uninstall()
    try:
        yield
    finally:
        speedups.uninstall()
        if was:
            speedups.install()


# --- never on import ---------------------------------------------------------------------

IMPORT_CHECK = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    import django
    django.setup()
    import hocba, hocba.signing, hocba.signing.document, hocba.verify
    for info in pkgutil.walk_packages(hocba.__path__, "hocba."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
    from asn1crypto import x509
    from pyhanko.pdf_utils import generic
    from pyhanko.sign import attributes, general
    from hocba.signing import speedups
    assert vars(x509.Name)["__eq__"].__module__ == "asn1crypto.x509", "Name.__eq__ patched"
    assert generic.read_hex_string_from_stream.__module__ == "pyhanko.pdf_utils.generic"
    assert general.as_signing_certificate_v2.__module__ == "pyhanko.sign.general"
    assert attributes.as_signing_certificate_v2.__module__ == "pyhanko.sign.general"
    assert speedups.installed() == (), speedups.installed()
    for module in ("hocba.apps.signing.tasks", "hocba.apps.verification.views", "hocba.cli.worker",
                   "hocba.bench.pipeline", "hocba.verify.chains"):
        assert module in sys.modules, module
    print("imported", len(sys.modules))
    """
)


def _fresh_python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hocba.server.settings"}
    env.setdefault("PYTEST_VERSION", "child")  # the settings' test mode: no developer var/
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def test_importing_hocba_signing_verify_and_the_apps_does_not_patch_name_eq():
    """Fails on the old code: ``hocba.signing.document`` installed every patch on import."""
    done = _fresh_python(IMPORT_CHECK)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("imported")


def test_hocba_verify_in_a_fresh_process_leaves_the_libraries_alone(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.7 not a record")
    code = textwrap.dedent(
        f"""
        from asn1crypto import x509
        from click.testing import CliRunner
        from hocba.cli.verify import verify
        from hocba.signing import speedups
        from hocba.verify import verify_pdf
        result = CliRunner().invoke(verify, [{str(tmp_path / "x.pdf")!r}])
        assert result.exception is None or isinstance(result.exception, SystemExit)
        verify_pdf(b"%PDF-1.7 not a record", None)
        assert speedups.installed() == (), speedups.installed()
        assert vars(x509.Name)["__eq__"].__module__ == "asn1crypto.x509"
        """
    )
    done = _fresh_python(code)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_worker_and_the_bench_install_them(monkeypatch, unpatched):
    """The entry points that sign in bulk install the patches before their work starts."""
    from click.testing import CliRunner

    from hocba.cli import bench, worker

    seen: dict[str, tuple[str, ...]] = {}

    def fake_setup() -> None:
        raise SystemExit(0)

    def record_then_stop(*args: Any, **kwargs: Any) -> Any:
        seen["bench"] = speedups.installed()
        raise SystemExit(0)

    monkeypatch.setattr("hocba.cli.django.setup_django", fake_setup)
    monkeypatch.setattr("signal.signal", lambda *args: None)  # the bench's SIGTERM handler
    CliRunner().invoke(worker.worker, [])
    assert speedups.installed() == tuple(p.target for p in speedups.PATCHES)
    speedups.uninstall()
    monkeypatch.setattr("hocba.bench.harness.run", record_then_stop)
    CliRunner().invoke(bench.bench, ["--quick"])
    assert seen["bench"] == tuple(p.target for p in speedups.PATCHES)


def test_each_spawned_bench_worker_installs_them_first(tmp_path, unpatched):
    from hocba.bench.pipeline import _init_worker

    with pytest.raises(Exception):  # noqa: B017 — no PKI there: stops right after installing
        _init_worker(str(tmp_path / "no-pki"))
    assert speedups.installed() == tuple(p.target for p in speedups.PATCHES)


def test_the_signing_task_installs_them(monkeypatch, unpatched):
    from hocba.apps.signing import services, tasks

    def stop(batch_id: int) -> Any:
        raise LookupError(batch_id)

    monkeypatch.setattr(services, "run_batch", stop)
    with pytest.raises(LookupError):
        tasks.run_signing_batch.call(0)
    assert speedups.installed() == tuple(p.target for p in speedups.PATCHES)


# --- the targets did not move ----------------------------------------------------------


def test_every_patch_has_a_recorded_signature():
    assert [p.target for p in speedups.PATCHES] == list(RECORDED_SIGNATURES)


@pytest.mark.parametrize("patch", speedups.PATCHES, ids=lambda p: p.target)
def test_each_patched_target_exists_with_its_recorded_signature(patch, unpatched):
    current = vars(patch.owner).get(patch.attribute)
    assert current is not None, f"{patch.target} is gone"
    assert current is patch.original
    function = current.fget if isinstance(current, property) else current
    assert str(inspect.signature(function)) == RECORDED_SIGNATURES[patch.target]


def test_pdf_whitespace_and_hex_digits_are_those_the_fast_readers_assume():
    from pyhanko.pdf_utils import generic, misc

    assert misc.PDF_WHITESPACE == b" \n\r\t\f\x00"  # speedups._WHITESPACE
    assert generic.HEX_DIGITS == b"0123456789abcdefABCDEF"  # speedups._NOT_HEX


@pytest.mark.parametrize(("module", "name"), list(RECORDED_HELPERS))
def test_members_the_replacements_use_are_unchanged(module, name):
    function = getattr(importlib.import_module(module), name)
    assert str(inspect.signature(function)) == RECORDED_HELPERS[(module, name)]


def test_asn1crypto_keeps_the_per_object_cache_the_prepared_value_patch_fills():
    assert vars(x509.NameTypeAndValue)["_prepped"] is None


@pytest.mark.parametrize("dist", ["pyHanko", "pyhanko-certvalidator", "asn1crypto"])
def test_installed_versions_are_those_the_patches_were_proven_on(dist):
    version = importlib.metadata.version(dist)
    assert version.split(".")[:2] == speedups.PROVEN_ON[dist].split(".")


def test_pyproject_bounds_each_patched_library_below_the_next_minor():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    by_name = {re.match(r"[A-Za-z0-9_.-]+", d)[0].lower(): d for d in deps}  # type: ignore[index]
    for dist, proven in speedups.PROVEN_ON.items():
        major, minor = (int(x) for x in proven.split("."))
        line = by_name[dist.lower()]
        assert re.search(rf">={major}\.{minor}\b", line), line
        assert re.search(rf"<{major}\.{minor + 1}\b", line), line


# --- install() ----------------------------------------------------------------------------


def test_install_is_explicit_idempotent_and_reported(unpatched, caplog):
    assert speedups.installed() == ()
    caplog.set_level("INFO", logger="hocba.signing.speedups")
    everything = tuple(p.target for p in speedups.PATCHES)
    assert speedups.install() == everything
    assert speedups.install() == everything
    assert speedups.installed() == everything
    assert [r.getMessage() for r in caplog.records].count(
        "speedups installed: " + ", ".join(everything)
    ) == 1
    assert vars(x509.Name)["__eq__"] is speedups.name_eq
    speedups.uninstall()
    assert speedups.installed() == ()
    assert vars(x509.Name)["__eq__"] is speedups._original_name_eq


# --- the name comparison answers as asn1crypto's -------------------------------------------

STRING_TYPES = ["utf8_string", "printable_string", "bmp_string", "teletex_string",
                "universal_string"]  # fmt: skip
ATTRIBUTES = ["common_name", "country_name", "organization_name", "organizational_unit_name",
              "locality_name", "serial_number"]  # fmt: skip
CHARS = st.sampled_from(
    list("aAbBzZ09 -.'")
    + list("ưƯđĐăĂôÔếẾệỆ")  # Vietnamese, precomposed
    + ["e\u0302\u0301", "\u0301"]  # decomposed (NFKC composes)
    + ["\t", "\n", "  ", "\u00a0", "\u2003", "\u3000"]  # spaces mapped to SPACE
    + ["\u00ad", "\u200b", "\ufeff", "\u034f"]  # mapped to nothing
    + ["\ufb01", "fi", "\uff21", "A", "\u2126", "\u03a9", "ß", "ss"]  # compatibility, case fold
    + ["\ue000", "\ufffd", "\u05d0", "\u0627"]  # prohibited / right-to-left: ValueError
)
VALUES = st.lists(CHARS, max_size=8).map("".join)


def _ntv(attribute: str, string_type: str, value: str) -> x509.NameTypeAndValue | None:
    try:
        ntv = x509.NameTypeAndValue(
            {"type": attribute, "value": x509.DirectoryString(name=string_type, value=value)}
        )
        ntv.dump()
    except (ValueError, UnicodeError, TypeError):
        return None  # not encodable in that string type
    return ntv


ATTRIBUTE_VALUES = st.builds(
    _ntv, st.sampled_from(ATTRIBUTES), st.sampled_from(STRING_TYPES), VALUES
).filter(lambda ntv: ntv is not None)
NAMES = st.lists(st.lists(ATTRIBUTE_VALUES, min_size=1, max_size=2), max_size=3)


def _variant(ntv: x509.NameTypeAndValue, data: st.DataObject) -> x509.NameTypeAndValue:
    """The same attribute, its value re-cased, re-spaced or in another string type."""
    value = ntv["value"].native
    change = data.draw(st.sampled_from(["upper", "lower", "spaces", "type", "same"]))
    string_type = ntv["value"].name
    if change == "upper":
        value = value.upper()
    elif change == "lower":
        value = value.lower()
    elif change == "spaces":
        value = " " + value.replace(" ", "   ") + "\t"
    elif change == "type":
        string_type = data.draw(st.sampled_from(STRING_TYPES))
    return _ntv(ntv["type"].native, string_type, value) or ntv


def _name(rdns: list[list[x509.NameTypeAndValue]]) -> x509.Name:
    sequence = x509.RDNSequence([x509.RelativeDistinguishedName(rdn) for rdn in rdns])
    return x509.Name(name="", value=sequence)


def _outcome(compute: Any) -> tuple[str, object]:
    try:
        return ("value", compute())
    except Exception as exc:  # the original's exceptions must be the patched one's
        return ("error", (type(exc), str(exc)))


def _compare_both_ways(left: x509.Name, right: x509.Name) -> None:
    a, b = left.dump(), right.dump()
    speedups.uninstall()
    original = _outcome(lambda: x509.Name.load(a) == x509.Name.load(b))
    original_built = _outcome(lambda: left.copy() == right.copy())
    original_hash = _outcome(lambda: x509.Name.load(a).hashable)
    speedups.install()
    for _ in range(2):  # the second answer comes from the memo
        assert _outcome(lambda: x509.Name.load(a) == x509.Name.load(b)) == original
        assert _outcome(lambda: x509.Name.load(a) != x509.Name.load(b)) == (
            original if original[0] == "error" else ("value", not original[1])
        )
        assert _outcome(lambda: left.copy() == right.copy()) == original_built
        assert _outcome(lambda: x509.Name.load(a).hashable) == original_hash


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # ``unpatched`` only restores the process's state at the end; each input sets its own
@given(data=st.data(), left_rdns=NAMES)
def test_patched_name_comparison_answers_as_asn1crypto_on_generated_names(
    data, left_rdns, unpatched
):
    left = _name(left_rdns)
    if data.draw(st.booleans()):
        right = _name([[_variant(ntv, data) for ntv in rdn] for rdn in left_rdns])
    else:
        right = _name(data.draw(NAMES))
    _compare_both_ways(left, right)


def _built(**attrs: str) -> x509.Name:
    return x509.Name.build(attrs)


EXPLICIT_PAIRS = [
    (_built(common_name="Trường Tiểu học Lê Văn Tám", country_name="VN"),
     _built(common_name="trường tiểu học  LÊ VĂN TÁM", country_name="vn")),  # equal (RFC 5280)
    (_built(common_name="Truong", country_name="VN"),
     x509.Name.build({"common_name": "TRUONG", "country_name": "VN"}, use_printable=True)),
    (_built(common_name="Sở GD&ĐT Hà Nội CA"), _built(common_name="Sở GD&ĐT Hà Nội CA ")),
    (_built(common_name="Sở GD&ĐT Hà Nội CA"), _built(common_name="Sở GD&ĐT Hà Nội CA2")),
    (_built(common_name="CA", organization_name="Bộ GD&ĐT"), _built(common_name="CA")),
    (_built(common_name="x\ue000"), _built(common_name="x\ue000")),  # prohibited: both raise
    (_built(common_name="a", country_name="VN"), _built(common_name="x\ue000", country_name="VN")),
]  # fmt: skip


@pytest.mark.parametrize("pair", range(len(EXPLICIT_PAIRS)))
def test_patched_name_comparison_answers_as_asn1crypto_on_chosen_pairs(pair, unpatched):
    _compare_both_ways(*EXPLICIT_PAIRS[pair])
    _compare_both_ways(*reversed(EXPLICIT_PAIRS[pair]))


def test_chosen_pairs_include_equal_names_with_different_bytes(unpatched):
    left, right = EXPLICIT_PAIRS[0]
    assert left.dump() != right.dump() and left == right


def test_names_compare_false_to_other_types_as_in_asn1crypto(unpatched):
    name = EXPLICIT_PAIRS[0][0]
    assert speedups._original_name_eq(name, "Trường") is False
    assert speedups.name_eq(name, "Trường") is False
    assert speedups.name_eq(name, name.chosen) is speedups._original_name_eq(name, name.chosen)


# --- same results with and without ----------------------------------------------------------


def _summary(report: Any) -> tuple[object, ...]:
    return (
        report.verdict,
        sorted(report.codes()),
        [
            (
                s.role,
                s.signer,
                s.issuer,
                s.intact,
                s.valid,
                s.trusted,
                s.revocation,
                s.modification_level,
            )
            for s in report.signatures
        ],
    )


def test_signing_and_verifying_give_the_same_verdicts_with_and_without_the_patches(
    record_pdf, role_signers, tsa, pki, unpatched
):
    from hocba.signing.pades import sign_all
    from hocba.verify import Verdict, verify_pdf

    trust = pki.trust()
    plain = sign_all(record_pdf, role_signers, tsa, trust=trust)
    plain_report = verify_pdf(plain, trust)
    assert speedups.install()
    patched = sign_all(record_pdf, role_signers, tsa, trust=trust)
    assert _summary(verify_pdf(patched, trust)) == _summary(plain_report)
    assert _summary(verify_pdf(plain, trust)) == _summary(plain_report)
    speedups.uninstall()
    assert _summary(verify_pdf(patched, trust)) == _summary(plain_report)
    assert plain_report.verdict is Verdict.VALID, plain_report.problems


def test_a_rogue_ca_of_the_same_name_is_refused_with_and_without_the_patches(
    tmp_path, record_pdf, role_signers, tsa, pki, unpatched
):
    from hocba.signing.pades import sign_all
    from hocba.signing.pki import init_pki
    from hocba.verify import Verdict, verify_pdf
    from tests.builders import SCHOOL
    from tests.pki_fixtures import PRINCIPAL, TEACHER

    rogue = init_pki(tmp_path / "rogue", teachers=[TEACHER], principal=PRINCIPAL,
                     school=SCHOOL.name)  # fmt: skip
    signers = {**role_signers, **{role: rogue.load_signer(role) for role in role_signers}}
    forged = sign_all(record_pdf, signers, tsa)  # same names as the real CA's, other keys
    trust = pki.trust()
    plain = verify_pdf(forged, trust)
    speedups.install()
    assert _summary(verify_pdf(forged, trust)) == _summary(plain)
    assert plain.verdict is not Verdict.VALID
    assert not any(s.trusted for s in plain.signatures)
