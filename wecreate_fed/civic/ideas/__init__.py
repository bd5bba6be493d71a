"""Ideas and reform proposals: publish, edit, change status, delete; support, share, comment.

validation: what a submitted idea must be; documents: its ActivityStreams object; commands:
the author's lifecycle (through civic.lifecycle); reactions: supports, shares, comments;
inbound: ideas of other instances. Callers use the names re-exported here.
"""

from .commands import change_status, delete, edit, local_idea, publish, publish_counts, release
from .documents import IDEA, document_for, idea_document, is_idea_document
from .inbound import RemoteIdea, find_or_fetch, is_known, parse_remote, remote_deleted, store_remote
from .reactions import (
                        comment,
                        comment_counted,
                        members_only_root,
                        reaction_received,
                        reaction_withdrawn,
                        release_comment,
                        share,
                        support,
                        thread_changed,
                        unshare,
                        withdraw_support,
)
from .validation import BODY_MAX, KINDS, STATUSES, IdeaInput, validate

__all__ = [
    "BODY_MAX", "IDEA", "KINDS", "STATUSES", "IdeaInput", "RemoteIdea", "change_status", "comment",
    "comment_counted", "delete", "document_for", "edit", "find_or_fetch", "idea_document", "is_idea_document",
    "is_known", "local_idea", "members_only_root", "parse_remote", "publish", "publish_counts", "reaction_received",
    "reaction_withdrawn", "release", "release_comment", "remote_deleted", "share", "store_remote", "support", "thread_changed", "unshare",
    "validate", "withdraw_support",
]
