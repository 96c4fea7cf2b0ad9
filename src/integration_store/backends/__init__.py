"""Storage backends: sub-packages (``memory``, ``sql``, ``mongo``) registered by URL scheme."""
