"""Running the real `brokerdesk` command in its own process against the test database."""

import socket
import sys
from pathlib import Path
from urllib.parse import quote

from django.db import connection


def database_url_of_test_db() -> str:
    """DATABASE_URL for a child process; it sees committed data only (use transactional tests)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    user = quote(settings_dict.get("USER") or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgresql://{user}{password}@{host}{port}/{settings_dict['NAME']}"


def brokerdesk_command() -> str:
    return str(Path(sys.executable).parent / "brokerdesk")


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now (for a server a test starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
