"""``python -m genoenc`` (and ``torchrun -m genoenc``) runs the command line."""

from genoenc.cli import main

if __name__ == "__main__":
    main()
