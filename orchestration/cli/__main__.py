"""`python -m orchestration.cli`: the same command as `creative-sessions`."""

from orchestration.cli.app import main

if __name__ == "__main__":  # not in a labelling worker that imports this module
    main()
