#!/usr/bin/env python3
"""The ``minidb`` command, and ``python -m minidb``.

Installed, this very file is the ``minidb`` script (see pyproject.toml):
nothing runs before minidb's own start-up code.
"""
from minidb.main import main

main()
