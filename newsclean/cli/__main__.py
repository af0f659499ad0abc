"""`python -m newsclean.cli`: the `newsclean` command."""
from . import main

main()
