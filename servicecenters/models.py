"""Models of this app arrive with its own issue; the app is installed so that its migrations and admin have a home."""
