"""``python -m genoenc`` (and ``torchrun -m genoenc``) runs the command line."""

from genoenc.cli import main  # type: ignore[import-not-found]  # cli/ maps to genoenc.cli

if __name__ == "__main__":
    main()
