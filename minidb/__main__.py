"""``python -m minidb``: the ``minidb`` command without the console script."""
from minidb.main import main

main()
