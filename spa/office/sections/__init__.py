"""The registry of settings pages. Each module of this package registers its sections
with `register(...)` (a list/edit page built from a ModelForm) or `link(...)` (a bespoke
page with its own view); `discover()` imports them all, so adding a page needs no edit
to a shared list."""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.forms import ModelForm

GROUPS = ("spa", "branches", "staff", "catalogue", "stock", "money", "messages", "history")


@dataclass
class Section:
    """A list of records with add / edit / deactivate, for one model.

    `allowed(user)` says who may open it; `queryset(user)` the records they may see and
    change (a manager: their branch's). `form_class` is built with `user=` as well as the
    usual arguments when its __init__ accepts it. `save(actor, form)` may replace the
    default save (form.save() in a transaction, then the audit entry)."""

    slug: str
    group: str
    title: object  # lazy text
    model: type[models.Model]
    form_class: type[ModelForm]
    columns: list[tuple[object, Callable]]  # (heading, obj -> text)
    allowed: Callable
    queryset: Callable
    order: int = 50
    help: object = ""
    can_add: Callable = lambda user: True
    deactivate_field: str | None = "is_active"
    save: Callable | None = None
    # Extra actions per row: (label, url-of(obj)).
    row_links: list[tuple[object, Callable]] = field(default_factory=list)


@dataclass
class Link:
    """A bespoke settings page listed on the settings index."""

    slug: str
    group: str
    title: object
    url_name: str
    allowed: Callable
    order: int = 50
    help: object = ""


REGISTRY: dict[str, Section | Link] = {}


def register(entry: Section | Link) -> Section | Link:
    if entry.slug in REGISTRY:
        raise ValueError(f"settings section {entry.slug!r} registered twice")
    REGISTRY[entry.slug] = entry
    return entry


def link(**kwargs) -> Link:
    return register(Link(**kwargs))


def discover() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def visible_to(user) -> list[tuple[str, list[Section | Link]]]:
    """[(group, [entries])] the user may open, in menu order."""
    out = []
    for group in GROUPS:
        entries = sorted(
            (e for e in REGISTRY.values() if e.group == group and e.allowed(user)),
            key=lambda e: (e.order, str(e.title)),
        )
        if entries:
            out.append((group, entries))
    return out
