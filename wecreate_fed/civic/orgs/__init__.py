"""Organisation spaces: membership, and publishing a space's drafts to the marketplace (publishing)."""
