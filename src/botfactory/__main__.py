"""``python -m botfactory`` is the ``botfactory`` command."""

from botfactory.cli import main

main()
