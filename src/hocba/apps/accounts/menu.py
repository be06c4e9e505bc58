"""What a grant's holder can open from the home page. Apps register providers in ``ready()``:

menu.register(lambda grant: [Link("Nhập điểm", reverse(...))] if grant.role == ... else [])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hocba.apps.accounts.models import Grant


@dataclass(frozen=True)
class Link:
    label: str
    url: str


Provider = Callable[[Grant], list[Link]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def links_for(grant: Grant) -> list[Link]:
    return [link for provider in _providers for link in provider(grant)]
