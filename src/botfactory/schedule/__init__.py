"""When scheduled events are due (DESIGN §5).

``Once``, ``Interval`` (``Periodic`` is DivvyCloud's spelling), ``Hourly`` run on the UTC time line;
``Daily``, ``Weekly``, ``Monthly`` and ``Cron`` on local wall time in an IANA zone, with DST handled by
hand (see ``wallclock``). Every schedule has ``next_after(dt)`` (strictly after, aware UTC, naive input
taken as UTC), ``first(now)``, ``describe()``, and ``to_json()``; ``from_json`` reads it back.
"""

from botfactory.schedule.base import Schedule, from_json
from botfactory.schedule.cron import Cron
from botfactory.schedule.fixed import Hourly, Interval, Once, Periodic, schedule_hours_from_now
from botfactory.schedule.wallclock import Daily, Monthly, Weekly

__all__ = [
    "Cron",
    "Daily",
    "Hourly",
    "Interval",
    "Monthly",
    "Once",
    "Periodic",
    "Schedule",
    "Weekly",
    "from_json",
    "schedule_hours_from_now",
]
