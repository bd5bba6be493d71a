"""Notifications: what they say in the reader's language (texts), the topics a person chooses
mails for (topics), and — with the mail core — mails at once, daily and weekly digests (the
weekly "Neu in … diese Woche" of one's home district) and one-click unsubscribe (RFC 8058)."""
