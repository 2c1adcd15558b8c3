"""What changed in a measure's progress from one published round to the next."""

from __future__ import annotations

from dataclasses import dataclass

from plans.models import ProgressUpdate


@dataclass
class Step:
    update: ProgressUpdate
    previous_status: str | None  # display label, None when unchanged or first
    percent_delta: int | None  # None for the first round


def between_rounds(updates) -> list[Step]:
    """Newest first: each published update with its change since the previous round."""
    ordered = list(updates)[::-1]  # published_updates() gives newest first
    steps: list[Step] = []
    previous: ProgressUpdate | None = None
    for update in ordered:
        steps.append(
            Step(
                update=update,
                previous_status=(
                    previous.get_status_display()
                    if previous and previous.status != update.status
                    else None
                ),
                percent_delta=update.percent - previous.percent if previous else None,
            )
        )
        previous = update
    return steps[::-1]
