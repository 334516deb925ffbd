"""The `brokerdesk` console command: Django management with our settings.

    brokerdesk migrate | run | demo | intake | audit verify | token create --user NAME | ...
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brokerdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["brokerdesk", *sys.argv[1:]])


if __name__ == "__main__":
    main()
