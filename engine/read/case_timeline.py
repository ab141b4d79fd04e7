"""The case timeline as officials read it: what people did and what happened, automatic steps
folded.

The audit trail records every step the engine ran, under the name of whoever's command ran it;
a page of fifty entries crediting gateways to the person who completed a task tells an official
nothing. People's actions and the events that matter (a timer that went off, an incident, the
end of the case) stay as entries; the engine's own steps in between (gateways, scripts, tasks
created) are folded into one entry that can be opened, and are credited to the system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# What a person does: credited to the person who did it.
PERSON_ACTIONS = frozenset(
    {
        "case_started",
        "task_claimed",
        "task_released",
        "task_reassigned",
        "task_completed",
        "case_cancelled",
        "incident_retried",
        "case_migrated",
        "case_commented",
        "task_commented",
        "followup_set",
        "followup_cleared",
    }
)
# What happens without anyone acting, but an official must see.
SYSTEM_EVENTS = frozenset({"timer_fired", "incident", "case_completed", "task_cancelled"})


@dataclass(frozen=True)
class TimelineEvent:
    seq: int
    at: datetime
    actor: str
    # Who did it; None when the system did (automatic steps, timers, the end of the case).
    actor_name: str | None
    action: str
    element_id: str | None
    element_name: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class AutomaticSteps:
    """Consecutive automatic steps, shown as one folded entry."""

    steps: list[TimelineEvent]

    @property
    def at(self) -> datetime:
        return self.steps[0].at


TimelineEntry = TimelineEvent | AutomaticSteps


def fold(events: list[TimelineEvent]) -> list[TimelineEntry]:
    """People's actions and meaningful events in order; runs of automatic steps folded."""
    entries: list[TimelineEntry] = []
    automatic: list[TimelineEvent] = []
    for event in events:
        if event.action in PERSON_ACTIONS:
            credited = event
        else:
            credited = TimelineEvent(
                event.seq,
                event.at,
                event.actor,
                None,
                event.action,
                event.element_id,
                event.element_name,
                event.payload,
            )
        if credited.action in PERSON_ACTIONS or credited.action in SYSTEM_EVENTS:
            if automatic:
                entries.append(AutomaticSteps(automatic))
                automatic = []
            entries.append(credited)
        else:
            automatic.append(credited)
    if automatic:
        entries.append(AutomaticSteps(automatic))
    return entries
