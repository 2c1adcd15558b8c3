"""Building a plan's tree from its flat items and rolling progress up.

Roll-up rule (documented in the README): the progress of a line, an action or the plan is
the plain average of its children's progress, each child counting once whatever its size;
cancelled measures are left out. A measure's own progress is its last published percentage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from plans.models import ItemKind, PlanItem, ProgressStatus


@dataclass
class Node:
    item: PlanItem | None
    children: list[Node] = field(default_factory=list)
    progress: float | None = None
    visible: bool = True

    @property
    def measures(self) -> list[PlanItem]:
        found: list[PlanItem] = []
        for child in self.children:
            if child.item is not None and child.item.kind == ItemKind.MEASURE:
                found.append(child.item)
            found.extend(child.measures)
        return found


def build(items: list[PlanItem]) -> Node:
    """The tree of the given items (ordered by position), under a root node for the plan."""
    root = Node(item=None)
    nodes = {item.pk: Node(item=item) for item in items}
    for item in items:
        parent = nodes.get(item.parent_id) if item.parent_id else root
        (parent or root).children.append(nodes[item.pk])
    _rollup(root)
    return root


def _rollup(node: Node) -> float | None:
    if node.item is not None and node.item.kind == ItemKind.MEASURE and not node.children:
        if node.item.current_status == ProgressStatus.CANCELLED:
            node.progress = None
        else:
            node.progress = float(node.item.current_progress)
        return node.progress
    values = [v for v in (_rollup(child) for child in node.children) if v is not None]
    node.progress = round(sum(values) / len(values), 1) if values else None
    return node.progress


def prune(node: Node, keep: set[int]) -> bool:
    """Mark as invisible every branch holding no item in keep; True if node stays visible."""
    own = node.item is not None and node.item.pk in keep
    child_visible = [prune(child, keep) for child in node.children]
    node.visible = own or any(child_visible) or node.item is None
    return node.visible


@dataclass
class Row:
    """One step of walking the visible tree: open a group, close it, or show a measure.
    The display fields are filled by the view (see plans.views._present)."""

    event: str  # "open", "close" or "leaf"
    node: Node
    url: str = ""
    title: str = ""
    type_label: str = ""
    status_label: str = ""
    actors: str = ""

    @property
    def item(self) -> PlanItem:
        return cast(PlanItem, self.node.item)  # walk() never yields the root


def walk(node: Node) -> list[Row]:
    """The visible tree as a flat list, so that a template renders it in one loop (a
    recursive include per node costs more than the database for a 250-measure plan)."""
    rows: list[Row] = []
    for child in node.children:
        if not child.visible or child.item is None:
            continue
        if child.item.kind == ItemKind.MEASURE and not child.children:
            rows.append(Row("leaf", child))
        else:
            rows.append(Row("open", child))
            rows.extend(walk(child))
            rows.append(Row("close", child))
    return rows
