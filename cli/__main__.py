"""``python -m cli``: the same as the ``jixiao`` console script."""

from cli.app import main

main()
