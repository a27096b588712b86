"""zonecheck's workflow: the domain, persistence, services, the CLI and the web application."""

# The one place the version is written: pyproject.toml reads it from here, and
# `zonecheck --version` prints it without importlib.metadata (a sixth of that command's time).
__version__ = "0.1.0"
