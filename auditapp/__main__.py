"""`python -m auditapp` runs the console script."""

from auditapp.cli import main

main()
