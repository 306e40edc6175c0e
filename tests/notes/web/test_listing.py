"""The list: newest first, each note an article, more pages as the reader scrolls."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.notes.web.browser import Page, settle

PAGE_SIZE = 20  # the API's default page


def scroll_to_end(page: Page) -> None:
    page.js("window.scrollTo(0, document.documentElement.scrollHeight)")


def test_each_note_is_an_article_with_title_content_tags_and_update_time(page: Page, make_notes):
    first, second = make_notes(
        {"title": "Groceries", "content": "milk\neggs", "tags": ["home", "errands"]},
        {"title": "Meeting Notes", "content": "Discuss project roadmap", "tags": ["work"]},
    )
    page.open()

    assert page.note_ids() == [second["id"], first["id"]]  # newest first
    article = page.article(first["id"])
    assert article.find_element("css selector", ".note-title").text == "Groceries"
    content = page.js(
        "return arguments[0].querySelector('.note-content').textContent", article
    )
    assert content == "milk\neggs"
    tags = page.js("return [...arguments[0].querySelectorAll('.tags a')].map(a => a.textContent)", article)
    assert tags == ["home", "errands"]
    assert page.js("return arguments[0].querySelector('time').dateTime", article) == first["updated_at"]
    assert article.find_element("css selector", "time").text  # a human-readable date


def test_an_empty_database_says_there_are_no_notes(page: Page):
    page.open()
    assert page.note_ids() == []
    assert "No notes yet" in page.text("#status")


def test_scrolling_loads_every_page_by_following_the_link_header(page: Page, make_notes):
    made = make_notes(*({"title": f"Note {i:02}"} for i in range(2 * PAGE_SIZE + 15)))
    newest_first = [note["id"] for note in reversed(made)]
    page.open()
    assert page.note_ids() == newest_first[:PAGE_SIZE]

    scroll_to_end(page)
    page.wait(lambda: len(page.note_ids()) == 2 * PAGE_SIZE, "the second page never came")
    scroll_to_end(page)
    page.wait(lambda: len(page.note_ids()) == len(made), "the third page never came")
    settle()
    assert page.note_ids() == newest_first  # each note once, in order
    assert not page.find("#load-more").is_displayed()  # the last page has no Link: nothing more

    lists = page.requests("GET", "/notes")
    assert len(lists) == 3
    cursors = [parse_qs(urlsplit(r["url"]).query).get("cursor") for r in lists]
    assert cursors[0] is None and cursors[1] and cursors[2] and cursors[1] != cursors[2]
