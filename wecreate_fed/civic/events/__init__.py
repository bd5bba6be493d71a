"""Events: meetings, neighbourhood actions, council sessions; attending them; calendars.

validation: what a submitted event must be; documents: its ActivityStreams shape (FEP-8a8e,
Mobilizon) both ways; commands: the organiser's lifecycle (through civic.lifecycle);
attendance: Join, Leave, Accept, Reject; inbound: events of other servers; calendar: the
upcoming list and iCalendar. Callers use the names re-exported here.
"""

from .attendance import Join, attend, attended_event, join_answered, join_of, join_received, leave, leave_received
from .calendar import icalendar, upcoming, upcoming_for
from .commands import change_status, delete, edit, local_event, publish
from .documents import EVENT, document_for, event_document, fields_from_object, is_event_document
from .inbound import RemoteEvent, find_or_fetch, is_event_ref, is_known, parse_remote, remote_deleted, store_remote
from .times import DEFAULT_TIMEZONE
from .validation import STATUSES, EventInput, validate

__all__ = [
    "DEFAULT_TIMEZONE", "EVENT", "STATUSES", "EventInput", "Join", "RemoteEvent", "attend", "attended_event",
    "change_status", "delete", "document_for", "edit", "event_document", "fields_from_object", "find_or_fetch",
    "icalendar", "is_event_document", "is_event_ref", "is_known", "join_answered", "join_of", "join_received",
    "leave", "leave_received", "local_event", "parse_remote", "publish", "remote_deleted", "store_remote",
    "upcoming", "upcoming_for", "validate",
]
