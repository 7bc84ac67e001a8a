"""The festival's schedule as a viewer sees it: every screening with what the viewer can do
and why not, and which are on now, next, later or past (by ``screenings.stops_starting``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from ...models import Festival, Screening
from ..catalog.availability import Availability, Reason
from .screenings import (
    is_sold_out,
    live_film_ends,
    live_film_over,
    screening_availability,
    screenings_of,
    seats_left,
    stops_starting,
)


class Slot(enum.StrEnum):
    NOW = "now"  # open now
    NEXT = "next"  # opens soonest among those still ahead
    LATER = "later"
    PAST = "past"


@dataclass(frozen=True, slots=True)
class ScheduleItem:
    screening: Screening
    availability: Availability
    slot: Slot
    sold_out: bool
    seats_left: int | None
    live_ended: bool = False  # a live screening whose film has ended for everyone
    live_ends: datetime | None = None  # when a live screening's film ends, if its length is known

    @property
    def geo_blocked(self) -> bool:
        return self.availability.reason in (Reason.NOT_IN_COUNTRY, Reason.UNKNOWN_COUNTRY)

    @property
    def buyable(self) -> bool:
        return self.availability.is_available and not self.sold_out


def schedule(festival: Festival, country: str | None, at: datetime) -> list[ScheduleItem]:
    """Every screening with what the viewer can do and why not, and what is on now and next."""
    screenings = screenings_of(festival)
    ahead = [s.opens_at for s in screenings if s.opens_at > at]
    next_open = min(ahead) if ahead else None
    items = []
    for screening in screenings:
        closes = stops_starting(screening)
        if screening.opens_at <= at < closes:
            slot = Slot.NOW
        elif closes <= at:
            slot = Slot.PAST
        elif screening.opens_at == next_open:
            slot = Slot.NEXT
        else:
            slot = Slot.LATER
        items.append(
            ScheduleItem(
                screening,
                screening_availability(screening, country, at),
                slot,
                is_sold_out(screening),
                seats_left(screening),
                slot == Slot.PAST and live_film_over(screening, at),
                live_film_ends(screening),
            )
        )
    return items
