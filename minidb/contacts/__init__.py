"""The contact manager: ``python -m minidb.contacts`` (see the README, "Contacts CLI")."""
