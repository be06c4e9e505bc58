"""Assessment rules as pure functions over ``hocba.spec`` records (DOMAIN §4, §5)."""

from hocba.rules.findings import Finding, Severity

__all__ = ["Finding", "Severity"]
