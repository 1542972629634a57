"""Report helpers of the app (imported only by the /report route)."""
