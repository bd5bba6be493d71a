"""The inbound registry: (activity type, kind) → handler; each family module registers into it."""

from wecreate_fed.civic.subjects import Registry

INBOUND = Registry("inbox")
