"""Organisation spaces (issue 12): membership (invite, request, approve, leave, remove, roles) and
the CSV import; publishing a space's internal drafts to the marketplace (publishing). Who may see
members-only content is civic/audience.py."""
