"""The MongoDB test-server harness fails loudly, and keeps to its own databases."""

from __future__ import annotations

import pytest

from tests.harness import mongo as harness
from tests.harness.mongo import MongoServer, MongoServerError


def test_no_server_anywhere_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("TEST_MONGODB_URI", raising=False)
    monkeypatch.setattr(harness, "FERRETDB", tmp_path / "bin" / "ferretdb")
    monkeypatch.setattr(harness, "CACHE_BIN", tmp_path / "bin")
    monkeypatch.setattr(harness.shutil, "which", lambda name: None)
    with pytest.raises(MongoServerError) as caught:
        harness.start_mongo_server()
    message = str(caught.value)
    for missing in ("TEST_MONGODB_URI", "mongod", "ferretdb", "go"):
        assert missing in message


def test_unreachable_test_mongodb_uri_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("TEST_MONGODB_URI", f"mongodb://127.0.0.1:{harness.free_port()}/")
    with pytest.raises(MongoServerError, match="TEST_MONGODB_URI"):
        harness.start_mongo_server()


def test_database_uri_keeps_options_and_the_auth_database():
    server = MongoServer("mongodb+srv://u:p@cluster.example.net/app?retryWrites=true", "x", 0)
    assert server.database_uri("minidb_test_1") == (
        "mongodb+srv://u:p@cluster.example.net/minidb_test_1?retryWrites=true&authSource=app"
    )
    plain = MongoServer("mongodb://127.0.0.1:27017/", "x", 0)
    assert plain.database_uri("minidb_test_2") == "mongodb://127.0.0.1:27017/minidb_test_2"


def test_only_test_databases_are_ever_dropped(mongo):
    with pytest.raises(ValueError, match="refusing"):
        mongo.drop_database("notesdb")
