"""The one list of a space's report sections, in the order every output shows them.

A section is a module with a `reports.document.Section`; adding one is that module and its
entry here (or, from outside the package, `register_section`). The order is the reading
order of a space's part of the report and the order sections compute in (a section may read
nothing another computed: each computes from the runs alone).
"""

from __future__ import annotations

from reports import (
    _anytime,
    _auc,
    _final,
    _generated,
    _pairwise,
    _pareto,
    _transfer,
    _weight_sharing,
    _workers,
)
from reports.document import Section

SECTIONS: list[Section] = [
    _final.SECTION,
    _anytime.SECTION,
    _pareto.SECTION,
    _auc.SECTION,
    _pairwise.SECTION,
    _transfer.SECTION,
    _generated.SECTION,
    _workers.SECTION,
    _weight_sharing.SECTION,
    _transfer.FIGURES,
]


def register_section(section: Section) -> None:
    """Add a section after the registered ones; every report built from now on has it.

    Args:
        section: The section; its ``name`` must be new.

    Raises:
        ValueError: A section of that name is registered already, or it has no name.
    """
    if not section.name:
        raise ValueError(f"{type(section).__name__}: a section needs a name")
    if any(s.name == section.name for s in SECTIONS):
        raise ValueError(
            f"a section named {section.name!r} is registered already "
            f"(registered: {', '.join(s.name for s in SECTIONS)})"
        )
    SECTIONS.append(section)


def unregister_section(name: str) -> None:
    """Remove the section registered as ``name``.

    Raises:
        ValueError: No section of that name is registered.
    """
    for i, section in enumerate(SECTIONS):
        if section.name == name:
            del SECTIONS[i]
            return
    raise ValueError(
        f"no section named {name!r} is registered "
        f"(registered: {', '.join(s.name for s in SECTIONS)})"
    )
