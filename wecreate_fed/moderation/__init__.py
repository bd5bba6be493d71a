"""Keeping an instance clean and lawful: roles, reports, actions on content, accounts and domains,
statements of reasons and appeals, the audit log.

A layer of its own between civic and inbox (base → actors → outbox → civic → moderation →
inbox → web): it may use civic functions (a removal deletes an idea as its author would), and
the inbox asks it whether an actor or domain is refused. Every action writes its audit entry
(store.audit.record) in the transaction of the change.
"""
