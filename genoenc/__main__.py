"""``python -m genoenc`` (and ``torchrun -m genoenc``) runs the command line."""

from genoenc.cli import main  # cli/ is installed as genoenc.cli

if __name__ == "__main__":
    main()
