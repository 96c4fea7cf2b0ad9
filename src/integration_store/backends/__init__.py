"""Storage backends; each is a sub-package (``memory``, ``sql``, ``mongo``) registered by URL scheme."""
