"""Web application: server-rendered pages (Jinja2) and a JSON API over the service layer."""
