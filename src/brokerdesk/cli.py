"""The `brokerdesk` console command: Django management with our settings.

    brokerdesk migrate | run | demo | intake | audit verify | token create --user NAME | pbx-sim | ...

Commands are Python modules (pbx_sim.py); on the command line they may be spelt with dashes (pbx-sim).
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brokerdesk.settings")
    from django.core.management import execute_from_command_line

    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["brokerdesk", *args])


if __name__ == "__main__":
    main()
