"""Boxes: collaboration spaces, each a `Group` actor that federates as FEP-1b12 groups do.

People join with Follow (or Mobilizon's Join) and leave with Undo / Leave. What members send
to the box (content with `audience` = the box) is checked and then announced by the box to
every member, remote ones included: the member's activity unchanged (FEP-1b12, as Lemmy reads
it) and, for public boxes, the object itself (an Announce Mastodon shows as a boost).

Open boxes take anyone, closed ones need a moderator's approval, private ones (friend circles)
take invited people only and show nothing to anyone else: their actor, members, posts and
motions are served only to members (or to the instance actor of a member's server, which
signs fetches on its members' behalf), and nothing of them is delivered to non-members.

Every command that federates writes its change, its activity and the activity's deliveries
in one transaction (a transactional outbox); what needs the network happens before it.

The parts: validation (what people type), access (finding boxes, roles, who may see them),
documents (ActivityStreams), delivery (to members, to one actor), profile (creating and
editing boxes), membership, posts, work (indicators, milestones, tasks), inbound (what other
servers send). Motions, drafted in boxes, are `wecreate_fed.civic.motions`.
"""

from .access import (
    MODERATORS,
    is_local_box,
    local_box,
    may_view,
    require_role,
    require_view,
    role_of,
)
from .documents import box_document
from .inbound import (
    IncomingPost,
    JoinRequest,
    RelayedPost,
    check_incoming,
    check_post,
    content_for_box,
    join_received,
    leave_received,
    parse_post,
    parse_relay,
    post_received,
    relay_received,
    remove_received,
)
from .membership import answer_request, invite, join, leave, remove_member, set_role
from .posts import delete_own_post, post, remove_post
from .profile import boxes_for_idea, create, edit_profile, link_idea, overview
from .validation import POST_MAX, ROLES, SLUG, TEXT_MAX, VISIBILITIES
from .work import add_indicator, add_milestone, add_task, mark_milestone, update_indicator, update_task

__all__ = [
    "MODERATORS", "POST_MAX", "ROLES", "SLUG", "TEXT_MAX", "VISIBILITIES",
    "IncomingPost", "JoinRequest", "RelayedPost",
    "add_indicator", "add_milestone", "add_task", "answer_request", "box_document", "boxes_for_idea",
    "check_incoming", "check_post", "content_for_box", "create", "delete_own_post", "edit_profile", "invite", "is_local_box",
    "join", "join_received", "leave", "leave_received", "link_idea", "local_box", "mark_milestone", "may_view",
    "overview", "parse_post", "parse_relay", "post", "post_received", "relay_received", "remove_member",
    "remove_post", "remove_received", "require_role", "require_view", "role_of", "set_role", "update_indicator",
    "update_task",
]
