"""`python -m orchestration.cli`: the same command as `creative-sessions`."""

from orchestration.cli.app import main

main()
