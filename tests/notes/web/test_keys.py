"""Keys: / focuses search, n starts a new note, Ctrl+Enter or Cmd+Enter saves."""

from __future__ import annotations

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.notes.web.browser import Page, settle


def press(page: Page, *keys: str) -> None:
    """Keys sent to whatever has focus, as a person at the keyboard would."""
    ActionChains(page.driver).send_keys(*keys).perform()


def chord(page: Page, modifier: str, key: str) -> None:
    ActionChains(page.driver).key_down(modifier).send_keys(key).key_up(modifier).perform()


def test_slash_focuses_search(page: Page):
    page.open()
    page.js("document.activeElement.blur()")
    press(page, "/")
    assert page.focused_id() == "search"
    assert page.find("#search").get_attribute("value") == ""  # the slash is not typed into it


def test_n_starts_a_new_note(page: Page, make_notes):
    [note] = make_notes({"title": "existing"})
    page.open()
    page.click_note_button(note["id"], "edit")
    page.wait(lambda: page.field("title").get_attribute("value") == "existing", "the form never filled")
    page.js("document.activeElement.blur()")  # out of the form, where n is just a letter
    press(page, "n")
    page.wait(lambda: page.text("#editor-heading") == "New note", "n did not start a new note")
    assert page.focused_id() == "note-title"
    assert page.field("title").get_attribute("value") == ""


def test_letters_typed_into_fields_are_text_not_shortcuts(page: Page):
    page.open()
    page.find("#note-content").click()
    press(page, "n/n")
    assert page.field("content").get_attribute("value") == "n/n"
    assert page.focused_id() == "note-content"
    page.find("#search").click()
    press(page, "no/")
    assert page.find("#search").get_attribute("value") == "no/"


def test_ctrl_enter_saves(page: Page, api):
    page.open()
    page.find("#note-title").click()
    press(page, "saved by keyboard")
    page.find("#note-content").click()
    press(page, "line one")
    chord(page, Keys.CONTROL, Keys.ENTER)
    page.wait(lambda: page.titles() == ["saved by keyboard"], "Ctrl+Enter did not save")
    assert [n["content"] for n in api("GET", "/notes").json()] == ["line one"]  # no newline typed


def test_cmd_enter_saves(page: Page, api):
    page.open()
    page.find("#note-title").click()
    press(page, "saved with command")
    chord(page, Keys.META, Keys.ENTER)
    page.wait(lambda: page.titles() == ["saved with command"], "Cmd+Enter did not save")


def test_shortcuts_are_off_while_a_dialog_is_open(page: Page, make_notes):
    [note] = make_notes({"title": "x"})
    page.open()
    page.click_note_button(note["id"], "delete")
    page.wait(lambda: page.dialog_open("confirm-dialog"), "no confirmation was asked")
    press(page, "n")
    settle()
    assert page.dialog_open("confirm-dialog")
    assert page.focused_id() == "confirm-cancel"
    page.find("#confirm-cancel").click()


def test_saving_from_the_keyboard_keeps_the_focus_on_save(page: Page):
    page.open()
    page.type_into("title", "keyboard only")
    page.js("document.getElementById('save').focus()")
    press(page, Keys.ENTER)
    page.wait(lambda: page.titles() == ["keyboard only"], "Enter on Save did not save")
    assert page.focused_id() == "save"  # not thrown back to the top of the page
