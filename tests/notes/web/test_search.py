"""Search as one types and tag chips: both filter, and both live in the page URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from selenium.webdriver.common.keys import Keys

from tests.notes.web.browser import Page, settle


def url_params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.driver.current_url).query)


def test_search_filters_as_one_types_and_the_url_survives_a_reload(page: Page, make_notes):
    make_notes(
        {"title": "Roadmap meeting", "content": "dates"},
        {"title": "Groceries", "content": "milk"},
        {"title": "Quarter plan", "content": "the ROADMAP for Q3"},
    )
    page.open()
    assert len(page.note_ids()) == 3

    page.find("input[type=search][name=q]").send_keys("roadm")  # no Enter: typing is enough
    page.wait(lambda: page.query() == "/?q=roadm", "the URL never showed the search")
    page.wait(lambda: page.titles() == ["Quarter plan", "Roadmap meeting"], "results never showed")

    page.reload()
    assert page.find("#search").get_attribute("value") == "roadm"
    assert page.titles() == ["Quarter plan", "Roadmap meeting"]

    page.find("#search").send_keys(Keys.BACKSPACE * 5)
    page.wait(lambda: page.query() == "/", "clearing the search never cleared the URL")
    page.wait(lambda: len(page.titles()) == 3, "clearing the search never showed every note")


def test_typing_quickly_sends_one_search_not_one_per_letter(page: Page, make_notes):
    make_notes({"title": "alpha"}, {"title": "beta"})
    page.open()
    page.find("#search").send_keys("alpha")
    page.wait(lambda: page.titles() == ["alpha"], "results never showed")
    settle()
    searches = [r for r in page.requests("GET", "/notes") if "q=" in r["url"]]
    assert len(searches) == 1, [r["url"] for r in searches]


def test_search_text_with_url_syntax_round_trips(page: Page, make_notes):
    needle = "a&b #1 + ?=%"
    make_notes({"title": f"holds {needle} inside"}, {"title": "a b 1"})
    page.open()
    page.find("#search").send_keys(needle)
    page.wait(lambda: url_params(page).get("q") == [needle], "the URL never held the search")
    page.wait(lambda: page.titles() == [f"holds {needle} inside"], "results never showed")
    page.reload()
    assert page.find("#search").get_attribute("value") == needle
    assert page.titles() == [f"holds {needle} inside"]


def test_a_tag_chip_filters_by_its_tag_in_the_url(page: Page, make_notes):
    make_notes(
        {"title": "Budget", "tags": ["work", "money"]},
        {"title": "Holiday", "tags": ["home"]},
        {"title": "Standup", "tags": ["work"]},
    )
    page.open()
    chip = page.find("article .tags a[data-tag='work']")
    assert chip.get_attribute("href").endswith("/?tag=work")  # a real link: bookmarkable, opens in a tab
    chip.click()
    page.wait(lambda: page.query() == "/?tag=work", "the URL never showed the tag")
    page.wait(lambda: page.titles() == ["Standup", "Budget"], "the tag never filtered")
    assert page.find("#tag-filter").is_displayed()
    assert page.text("#tag-filter-name") == "work"

    # Search and tag together, both in the URL, both restored on reload.
    page.find("#search").send_keys("bud")
    page.wait(lambda: url_params(page) == {"q": ["bud"], "tag": ["work"]}, "the URL lost one of the two")
    page.wait(lambda: page.titles() == ["Budget"], "search and tag did not combine")
    page.reload()
    assert page.titles() == ["Budget"]
    assert page.find("#search").get_attribute("value") == "bud"
    assert page.text("#tag-filter-name") == "work"

    page.find("#clear-tag").click()
    page.wait(lambda: page.query() == "/?q=bud", "clearing the tag kept it in the URL")
    page.wait(lambda: page.titles() == ["Budget"], "clearing the tag did not widen the list")


def test_back_returns_to_the_list_before_a_tag_was_chosen(page: Page, make_notes):
    make_notes({"title": "one", "tags": ["x"]}, {"title": "two", "tags": ["y"]})
    page.open()
    page.find("article .tags a[data-tag='x']").click()
    page.wait(lambda: page.titles() == ["one"], "the tag never filtered")
    page.driver.back()
    page.wait(lambda: page.query() == "/", "back did not restore the URL")
    page.wait(lambda: page.titles() == ["two", "one"], "back did not restore the list")
    assert not page.find("#tag-filter").is_displayed()


def test_a_bookmarked_filter_opens_filtered(page: Page, make_notes):
    make_notes({"title": "Plan", "tags": ["work"]}, {"title": "Plant", "tags": ["home"]})
    page.open("/?q=plan&tag=home")
    assert page.titles() == ["Plant"]
    assert page.find("#search").get_attribute("value") == "plan"


def test_no_match_says_so(page: Page, make_notes):
    make_notes({"title": "something"})
    page.open("/?q=nothing-like-it")
    assert page.titles() == []
    assert "No notes match" in page.text("#status")
