"""The civic domain: ideas, supports, events, districts, the marketplace and impact figures.

Plain functions over the store that validate, change state and hand activities to `outbox`.
Inbox handlers and web pages both call them; neither does civic logic itself.
"""
