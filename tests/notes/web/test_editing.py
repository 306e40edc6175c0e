"""Writing: create, edit (always with If-Match), 422 messages by their fields, delete with confirmation."""

from __future__ import annotations

from tests.notes.web.browser import Page, settle


def header(request: dict, name: str) -> str | None:
    return next((v for k, v in request["headers"].items() if k.lower() == name.lower()), None)


def test_create_a_note_with_the_form(page: Page, api):
    page.open()
    page.find("#new-note").click()
    page.type_into("title", "Meeting Notes")
    page.type_into("content", "Discuss project roadmap\nand dates")
    page.type_into("tags", " work,  ideas ,, work ")  # trimmed, empties and repeats dropped
    page.find("#save").click()

    page.wait(lambda: page.titles() == ["Meeting Notes"], "the new note never appeared in the list")
    stored = api("GET", "/notes").json()
    assert [(n["title"], n["content"], n["tags"]) for n in stored] == [
        ("Meeting Notes", "Discuss project roadmap\nand dates", ["work", "ideas"])
    ]
    assert page.note_ids() == [stored[0]["id"]]
    # The form now edits the note it created, tags shown as stored.
    assert page.text("#editor-heading") == "Edit note"
    assert page.field("tags").get_attribute("value") == "work, ideas"
    [post] = page.requests("POST", "/notes")
    assert header(post, "Content-Type") == "application/json"


def test_edit_a_note_saves_with_if_match_and_updates_it_in_place(page: Page, api, make_notes):
    old, target, new = make_notes({"title": "old"}, {"title": "Draft", "content": "v1"}, {"title": "new"})
    page.open()
    page.click_note_button(target["id"], "edit")
    page.wait(lambda: page.field("title").get_attribute("value") == "Draft", "the form never filled")
    assert page.field("content").get_attribute("value") == "v1"
    assert page.text("#editor-heading") == "Edit note"

    page.type_into("content", "v2")
    page.find("#save").click()
    page.wait(lambda: "v2" in (page.article_text(target["id"]) or ""), "the article never showed the edit")
    assert page.note_ids() == [new["id"], target["id"], old["id"]]  # still where it was

    reply = api("GET", f"/notes/{target['id']}")
    assert reply.json()["content"] == "v2"
    assert reply.headers["ETag"] == '"2"'

    # A second save goes out with the ETag the first one returned.
    page.type_into("content", "v3")
    page.find("#save").click()
    page.wait(lambda: "v3" in (page.article_text(target["id"]) or ""), "the second edit never showed")
    puts = page.requests("PUT", f"/notes/{target['id']}")
    assert [header(p, "If-Match") for p in puts] == ['"1"', '"2"']
    assert api("GET", f"/notes/{target['id']}").json()["content"] == "v3"


def test_validation_messages_appear_next_to_their_fields(page: Page, api):
    page.open()
    page.type_into("title", "   ")
    page.type_into("content", "kept as typed")
    page.type_into("tags", "fine, " + "x" * 51)
    page.find("#save").click()

    page.wait(lambda: page.text("#title-error"), "no message by the title")
    assert "white space" in page.text("#title-error")
    assert "1 to 50 characters" in page.text("#tags-error")
    assert page.text("#content-error") == ""
    assert page.field("title").get_attribute("aria-invalid") == "true"
    assert page.field("tags").get_attribute("aria-invalid") == "true"
    assert page.field("content").get_attribute("aria-invalid") is None
    # Each message is tied to its field for screen readers.
    assert "title-error" in page.field("title").get_attribute("aria-describedby")
    assert "tags-error" in page.field("tags").get_attribute("aria-describedby")
    assert page.focused_id() == "note-title"
    # Nothing was stored and nothing typed was lost.
    assert api("GET", "/notes").json() == []
    assert page.field("content").get_attribute("value") == "kept as typed"

    # Fixing the fields and saving again clears the messages.
    page.type_into("title", "Fixed")
    page.type_into("tags", "fine")
    page.find("#save").click()
    page.wait(lambda: page.titles() == ["Fixed"], "the corrected note was not saved")
    assert page.text("#title-error") == "" and page.text("#tags-error") == ""
    assert page.field("title").get_attribute("aria-invalid") is None


def test_a_required_title_left_empty_is_reported_by_the_server(page: Page, api):
    page.open()
    page.type_into("content", "no title yet")
    page.find("#save").click()
    page.wait(lambda: page.text("#title-error"), "no message by the title")
    assert "required" in page.text("#title-error") or "1 to 200" in page.text("#title-error")
    assert api("GET", "/notes").json() == []


def test_delete_asks_first_and_cancel_keeps_the_note(page: Page, api, make_notes):
    keep, doomed = make_notes({"title": "keep me"}, {"title": "Doomed <b>note</b>"})
    page.open()

    page.click_note_button(doomed["id"], "delete")
    page.wait(lambda: page.dialog_open("confirm-dialog"), "no confirmation was asked")
    assert "Doomed <b>note</b>" in page.text("#confirm-text")
    assert page.focused_id() == "confirm-cancel"  # the safe answer is the default
    page.find("#confirm-cancel").click()
    settle()
    assert not page.dialog_open("confirm-dialog")
    # The focus is back on the button that asked, not lost at the top of the page.
    assert page.js("return document.activeElement.dataset.action") == "delete"
    assert page.js("return document.activeElement.closest('article').dataset.noteId") == doomed["id"]
    assert api("GET", f"/notes/{doomed['id']}").status == 200
    assert page.note_ids() == [doomed["id"], keep["id"]]
    assert page.requests("DELETE") == []

    page.click_note_button(doomed["id"], "delete")
    page.wait(lambda: page.dialog_open("confirm-dialog"), "no confirmation was asked")
    page.find("#confirm-ok").click()
    page.wait(lambda: page.note_ids() == [keep["id"]], "the note stayed in the list")
    assert api("GET", f"/notes/{doomed['id']}").status == 404
    [delete] = page.requests("DELETE")
    assert header(delete, "If-Match") == '"1"'  # only the version the user confirmed


def test_escape_in_the_confirmation_deletes_nothing(page: Page, api, make_notes):
    [note] = make_notes({"title": "stays"})
    page.open()
    page.click_note_button(note["id"], "delete")
    page.wait(lambda: page.dialog_open("confirm-dialog"), "no confirmation was asked")
    page.find("#confirm-cancel").send_keys("\ue00c")  # Escape
    page.wait(lambda: not page.dialog_open("confirm-dialog"), "Escape did not close the dialog")
    settle()
    assert api("GET", f"/notes/{note['id']}").status == 200
    assert page.requests("DELETE") == []


def test_deleting_the_note_being_edited_keeps_unsaved_text_as_a_new_note(page: Page, api, make_notes):
    [note] = make_notes({"title": "going"})
    page.open()
    page.click_note_button(note["id"], "edit")
    page.wait(lambda: page.field("title").get_attribute("value") == "going", "the form never filled")
    page.type_into("content", "typed before deleting")
    page.click_note_button(note["id"], "delete")
    page.wait(lambda: page.dialog_open("confirm-dialog"), "no confirmation was asked")
    page.find("#confirm-ok").click()
    page.wait(lambda: page.note_ids() == [], "the note stayed in the list")
    assert page.field("content").get_attribute("value") == "typed before deleting"
    assert page.text("#editor-heading") == "New note"
    page.find("#save").click()
    page.wait(lambda: page.titles() == ["going"], "the text was not saved as a new note")
    assert [n["content"] for n in api("GET", "/notes").json()] == ["typed before deleting"]


def test_switching_notes_with_unsaved_changes_asks_first(page: Page, make_notes):
    first, second = make_notes({"title": "first"}, {"title": "second"})
    page.open()
    page.click_note_button(first["id"], "edit")
    page.wait(lambda: page.field("title").get_attribute("value") == "first", "the form never filled")
    page.type_into("content", "unsaved words")
    page.click_note_button(second["id"], "edit")
    page.wait(lambda: page.dialog_open("confirm-dialog"), "unsaved text was dropped without asking")
    page.find("#confirm-cancel").click()
    settle()
    assert page.field("title").get_attribute("value") == "first"
    assert page.field("content").get_attribute("value") == "unsaved words"
