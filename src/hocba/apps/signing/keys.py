"""Signer keys of a school: who signs with what (PKCS#12 file, PKCS#11 token, CSC service,
phone gateway). Managed by the school's leaders and the system admin (``SCHOOL_YEAR_MANAGE``,
the school-administration permission); every change is audited without any secret (the rows
hold none: only where the worker reads it, or that the signer types it per batch)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from hocba.apps.accounts import policy
from hocba.apps.accounts.models import Role
from hocba.apps.accounts.permissions import Permission
from hocba.apps.audit import services as audit
from hocba.apps.audit.tags import EventTag
from hocba.apps.directory.models import School
from hocba.apps.signing.models import SignerKey
from hocba.errors import HocbaError

K = SignerKey.Kind
_NEEDS = {
    K.PKCS12: (("location", "đường dẫn tệp .p12"),),
    K.PKCS11: (("identifier", "nhãn token"), ("key_label", "nhãn khoá")),
    K.CSC: (("location", "địa chỉ dịch vụ"), ("identifier", "mã chứng thư (credential ID)")),
    K.GATEWAY: (("location", "địa chỉ dịch vụ"), ("identifier", "mã người ký tại dịch vụ")),
}


def signers_of(school: School) -> Any:
    """Accounts that may own a key of this school: its leaders and its classes' GVCNs."""
    return (
        get_user_model()
        .objects.filter(grants__active=True)
        .filter(
            (
                Q(grants__role__in=[Role.PRINCIPAL, Role.VICE_PRINCIPAL])
                & Q(grants__org_unit=school.org_unit)
            )
            | (Q(grants__role=Role.HOMEROOM_TEACHER) & Q(grants__school_class__school=school))
        )
        .distinct()
        .order_by("username")
    )


class SignerKeyForm(forms.ModelForm):
    class Meta:
        model = SignerKey
        fields = (
            "role", "user", "kind", "location", "identifier", "key_label", "cert_label",
            "secret_ref", "token_env", "pin_at_batch",
        )  # fmt: skip

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["user"].queryset = signers_of(school)
        self.fields["user"].label_from_instance = lambda u: (  # type: ignore[attr-defined]
            f"{u.get_full_name() or u.username} ({u.username})"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, role = data.get("kind"), data.get("role")
        for name, label in _NEEDS.get(kind, ()):  # type: ignore[call-overload]
            if not (data.get(name) or "").strip():
                self.add_error(name, f"Cần khai báo {label} cho loại khoá này.")
        if role == SignerKey.Role.SEAL and data.get("user") is not None:
            self.add_error("user", "Con dấu số là của nhà trường, không gắn với một tài khoản.")
        if kind in (K.CSC, K.GATEWAY):
            url = (data.get("location") or "").strip()
            if url and not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
                self.add_error("location", "Địa chỉ dịch vụ ký phải dùng https://.")
        if kind == K.GATEWAY and data.get("pin_at_batch"):
            self.add_error("pin_at_batch", "Dịch vụ ký qua điện thoại xác nhận trên điện thoại.")
        secret = (data.get("secret_ref") or "").strip()
        if secret and data.get("pin_at_batch"):
            self.add_error("secret_ref", "Chọn một: PIN nhập mỗi lượt ký hoặc nơi lấy PIN.")
        env = (data.get("token_env") or "").strip()
        if env and not env.replace("_", "A").isalnum():
            self.add_error("token_env", "Tên biến môi trường chỉ gồm chữ, số và dấu gạch dưới.")
        if not self.errors:
            probe = SignerKey(**{f: data.get(f) for f in self.Meta.fields if f != "user"})
            try:
                probe.spec()
            except HocbaError as exc:
                self.add_error("secret_ref", exc.message_vi)
        return data


def keys_page(user: Any, school: School, *, form: SignerKeyForm | None = None) -> dict[str, Any]:
    policy.require(user, Permission.SCHOOL_YEAR_MANAGE, school)
    keys = list(SignerKey.objects.filter(school=school).select_related("user"))
    from hocba.signing.demo import is_production

    return {
        "school": school,
        "keys": keys,
        "form": form or SignerKeyForm(school=school),
        "production": is_production(),
    }


def key_of(user: Any, school: School, key_id: int) -> SignerKey:
    """A key of ``school`` (after the permission check); another school's is not found."""
    from hocba.apps.accounts.errors import NotAllowed

    policy.require(user, Permission.SCHOOL_YEAR_MANAGE, school)
    key = SignerKey.objects.filter(school=school, pk=key_id).first()
    if key is None:
        raise NotAllowed("Không tìm thấy hoặc bạn không có quyền.", detail=f"signer key {key_id}")
    return key


@transaction.atomic
def save_key(user: Any, school: School, form: SignerKeyForm) -> SignerKey:
    """Create or update from a valid form; audited with where the key is, never a secret."""
    policy.require(user, Permission.SCHOOL_YEAR_MANAGE, school)
    key = form.save(commit=False)
    created = key.pk is None
    key.school = school
    key.updated_by = user
    key.save()
    _audit(user, school, key, "created" if created else "updated")
    return key


@transaction.atomic
def delete_key(user: Any, school: School, key: SignerKey) -> None:
    policy.require(user, Permission.SCHOOL_YEAR_MANAGE, school)
    _audit(user, school, key, "deleted")
    key.delete()


def _audit(user: Any, school: School, key: SignerKey, action: str) -> None:
    audit.record(
        EventTag.SIGNING_KEY_CHANGED,
        actor=user,
        subject=key,
        scope_path=school.org_unit.path,
        data={"action": action, "role": key.role, "kind": key.kind, "user_id": key.user_id,
              "secret": "typed per batch" if key.pin_at_batch else
              (key.secret_ref.split(":", 1)[0] or "none")},
    )  # fmt: skip
