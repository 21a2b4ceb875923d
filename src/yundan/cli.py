"""The ``yundan`` command: Django's management commands under yundan's settings.

``yundan init``, ``yundan demo``, ``yundan orders search`` … are management commands of the
yundan apps; ``yundan serve`` runs the web server with the background worker beside it.
"""

import os
import sys

def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yundan.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["yundan", *args])


if __name__ == "__main__":
    main()
