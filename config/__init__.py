"""The project's configuration, apart from the apps: settings read from the environment,
URLs, WSGI/ASGI, the JSON log format, security headers, and the health endpoint and probe."""
