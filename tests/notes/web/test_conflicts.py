"""A note changed (or deleted) behind the page's back while the user edits it:
the save is refused with 412, the page shows both versions, nothing typed is lost."""

from __future__ import annotations

from tests.notes.web.browser import Page


def version_text(page: Page, side: str, part: str) -> str:
    return page.text(f"#conflict-{side} [data-part={part}]")


def start_editing(page: Page, note: dict) -> None:
    page.click_note_button(note["id"], "edit")
    page.wait(lambda: page.field("title").get_attribute("value") == note["title"], "the form never filled")


def change_behind_the_back(api, note: dict, **fields) -> None:
    reply = api("PUT", f"/notes/{note['id']}", {"title": note["title"], **fields})
    assert reply.status == 200 and reply.headers["ETag"] == '"2"'


def test_a_conflict_shows_both_versions_and_keep_mine_saves_over_the_new_one(page: Page, api, make_notes):
    [note] = make_notes({"title": "Plan", "content": "original", "tags": ["a"]})
    page.open()
    start_editing(page, note)
    change_behind_the_back(api, note, content="their edit", tags=["b"])

    page.type_into("content", "my careful words")
    page.find("#save").click()
    page.wait(lambda: page.find("#conflict").is_displayed(), "no conflict was shown")

    assert version_text(page, "stored", "content") == "their edit"
    assert version_text(page, "stored", "tags") == "b"
    assert version_text(page, "mine", "content") == "my careful words"
    assert version_text(page, "mine", "tags") == "a"
    assert page.field("content").get_attribute("value") == "my careful words"  # still in the form
    assert page.focused_id() == "conflict-heading"
    assert api("GET", f"/notes/{note['id']}").json()["content"] == "their edit"  # 412: nothing changed
    assert "their edit" in (page.article_text(note["id"]) or "")  # the list shows what is stored

    page.find("#keep-mine").click()
    page.wait(lambda: not page.find("#conflict").is_displayed(), "the conflict view stayed")
    page.wait(lambda: "my careful words" in (page.article_text(note["id"]) or ""), "mine never showed")
    stored = api("GET", f"/notes/{note['id']}")
    assert stored.json()["content"] == "my careful words"
    assert stored.json()["tags"] == ["a"]
    assert stored.headers["ETag"] == '"3"'  # written over version 2, the one the user saw
    assert page.text("#form-error") == ""


def test_take_theirs_puts_the_stored_version_in_the_form(page: Page, api, make_notes):
    [note] = make_notes({"title": "Plan", "content": "original"})
    page.open()
    start_editing(page, note)
    change_behind_the_back(api, note, content="their edit")

    page.type_into("content", "mine")
    page.find("#save").click()
    page.wait(lambda: page.find("#conflict").is_displayed(), "no conflict was shown")
    page.find("#take-theirs").click()

    page.wait(lambda: not page.find("#conflict").is_displayed(), "the conflict view stayed")
    assert page.field("content").get_attribute("value") == "their edit"
    assert api("GET", f"/notes/{note['id']}").headers["ETag"] == '"2"'  # nothing written
    # Editing on from there goes out against the stored version and succeeds.
    page.type_into("content", "their edit, amended")
    page.find("#save").click()
    page.wait(lambda: "amended" in (page.article_text(note["id"]) or ""), "the follow-up save failed")
    assert api("GET", f"/notes/{note['id']}").headers["ETag"] == '"3"'


def test_a_second_conflict_during_keep_mine_is_shown_again(page: Page, api, make_notes):
    [note] = make_notes({"title": "Plan", "content": "original"})
    page.open()
    start_editing(page, note)
    change_behind_the_back(api, note, content="edit two")
    page.type_into("content", "mine")
    page.find("#save").click()
    page.wait(lambda: page.find("#conflict").is_displayed(), "no conflict was shown")

    assert api("PUT", f"/notes/{note['id']}", {"title": "Plan", "content": "edit three"}).status == 200
    page.find("#keep-mine").click()
    page.wait(lambda: version_text(page, "stored", "content") == "edit three", "no newer version")
    assert page.find("#conflict").is_displayed()
    assert page.field("content").get_attribute("value") == "mine"
    assert api("GET", f"/notes/{note['id']}").json()["content"] == "edit three"


def test_a_note_deleted_meanwhile_can_be_kept_as_a_new_note(page: Page, api, make_notes):
    [note] = make_notes({"title": "Plan", "content": "original"})
    page.open()
    start_editing(page, note)
    assert api("DELETE", f"/notes/{note['id']}").status == 204

    page.type_into("content", "worth keeping")
    page.find("#save").click()
    page.wait(lambda: page.find("#conflict").is_displayed(), "the deletion was not reported")
    assert "deleted" in page.text("#conflict-heading")
    assert not page.find("#conflict-stored").is_displayed()
    assert page.field("content").get_attribute("value") == "worth keeping"

    page.find("#keep-mine").click()
    page.wait(lambda: page.titles() == ["Plan"], "the text was not saved as a new note")
    [kept] = api("GET", "/notes").json()
    assert kept["content"] == "worth keeping" and kept["id"] != note["id"]
