"""The web shell: Flask + Dash + Socket.IO, the REST API, auth, the live relay, the pages."""
