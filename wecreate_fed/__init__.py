"""WeCreate Fed: a federated ActivityPub server for civic participation."""

__version__ = "0.1.0"
