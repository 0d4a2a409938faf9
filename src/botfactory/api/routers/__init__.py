"""One router per area of ``/api/v1``."""
