"""Usable on a phone-width window, with a keyboard and with a screen reader;
and the screenshot the README shows."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.notes.helpers import REPO
from tests.notes.web.browser import Page

SCREENSHOT = REPO / "docs" / "notes-ui.png"
PHONE = (375, 812)


def overflow(page: Page) -> dict[str, int]:
    return page.js(
        "return {scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,"
        " inner: window.innerWidth}"
    )


def elements_wider_than_the_window(page: Page) -> list[str]:
    return page.js(
        """
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('body *')]
          .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > width + 0.5)
          .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className);
        """
    )


def test_375_pixels_wide_without_horizontal_scrolling(page: Page, make_notes):
    make_notes(
        {"title": "W" * 200, "content": "x" * 3000, "tags": ["t" * 50, "second-long-tag-" * 3]},
        {"title": "https://example.invalid/" + "a/" * 80, "content": "a normal note"},
    )
    page.set_viewport(*PHONE, mobile=True)
    page.open()
    assert page.js("return window.innerWidth") == PHONE[0]
    sizes = overflow(page)
    assert sizes["scroll"] <= sizes["client"], sizes
    assert elements_wider_than_the_window(page) == []

    # The editor with a note in it, a 422 message, and the dialogs, at the same width.
    first = page.note_ids()[0]
    page.click_note_button(first, "edit")
    page.wait(lambda: page.field("title").get_attribute("value"), "the form never filled")
    page.type_into("tags", "y" * 60)
    page.find("#save").click()
    page.wait(lambda: page.text("#tags-error"), "no message by the tags")
    sizes = overflow(page)
    assert sizes["scroll"] <= sizes["client"], sizes
    page.click_note_button(first, "delete")
    page.wait(lambda: page.dialog_open("confirm-dialog"), "no confirmation was asked")
    dialog_right = page.js("return document.getElementById('confirm-dialog').getBoundingClientRect().right")
    assert dialog_right <= PHONE[0]
    page.find("#confirm-cancel").click()


def test_every_control_has_a_label(page: Page, make_notes):
    make_notes({"title": "labelled", "tags": ["t"]})
    page.open()
    unnamed = page.js(
        """
        const name = (e) => {
          if (e.getAttribute('aria-label')) return e.getAttribute('aria-label');
          const by = e.getAttribute('aria-labelledby');
          if (by) return by.split(' ').map(id => document.getElementById(id)?.textContent || '').join(' ');
          if (e.labels && e.labels.length) return [...e.labels].map(l => l.textContent).join(' ');
          return e.textContent;
        };
        return [...document.querySelectorAll('input, textarea, select, button, a[href]')]
          .filter(e => !name(e).trim())
          .map(e => e.outerHTML);
        """
    )
    assert unnamed == []
    # Each note's buttons say which note they act on.
    edit = page.find("article button[data-action=edit]")
    assert page.js("return arguments[0].textContent", edit) == "Edit “labelled”"
    assert page.js("return arguments[0].getAttribute('aria-labelledby')", page.find("article"))


def test_tab_moves_through_the_page_in_reading_order(page: Page, make_notes):
    make_notes({"title": "only", "tags": ["solo"]})
    page.open()
    page.js("document.activeElement.blur()")
    order = []
    for _ in range(10):
        ActionChains(page.driver).send_keys(Keys.TAB).perform()
        order.append(page.js(
            "const e = document.activeElement;"
            "return e.id || e.dataset.action || (e.dataset.tag ? 'tag:' + e.dataset.tag : e.className)"
        ))
    assert order == [
        "skip-link",
        "search",
        "new-note",
        "note-title",
        "note-content",
        "note-tags",
        "save",
        "tag:solo",
        "edit",
        "delete",
    ]


def test_a_screenshot_for_the_readme(page: Page, notes_collection):
    # Fixed times and time zone, so the same machine draws the same picture
    # every run and the committed file only changes when the page does.
    at = datetime(2026, 11, 25, 17, 27, tzinfo=UTC)
    samples = [
        ("Groceries", "milk\neggs\nbread", ["home", "errands"]),
        ("<img src=x onerror=alert(1)>", "A title like this is shown as text, never run.", ["safety"]),
        ("Meeting Notes", "Discuss project roadmap:\n- owners\n- dates", ["work"]),
        ("Quarter plan", "The roadmap for Q3, in three steps.", ["work", "plans"]),
    ]
    notes_collection.insert_many([
        {"_id": ObjectId(), "title": title, "content": content, "tags": tags,
         "created_at": at + timedelta(minutes=i), "updated_at": at + timedelta(minutes=i), "version": 1}
        for i, (title, content, tags) in enumerate(samples)
    ])
    page.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "UTC"})
    try:
        page.set_viewport(1200, 760, mobile=False)
        page.open()
        assert page.titles()[0] == "Quarter plan"
        page.click_note_button(page.note_ids()[0], "edit")
        page.wait(lambda: page.field("title").get_attribute("value") == "Quarter plan", "the form is empty")
        page.js("document.activeElement.blur()")
        png = page.driver.get_screenshot_as_png()
    finally:
        page.driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})
    assert png.startswith(b"\x89PNG")
    # Chromium's raster is not bit-exact from run to run (a few dozen pixels
    # of anti-aliasing differ on a busy machine): rewrite the file only when
    # the picture really changed, so a test run leaves the checkout clean.
    if not SCREENSHOT.exists() or share_of_pixels_changed(page, SCREENSHOT.read_bytes(), png) > 0.001:
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_bytes(png)


COMPARE_PNGS = """
const [before, after, done] = arguments;
const decode = async (b64) => createImageBitmap(await (await fetch('data:image/png;base64,' + b64)).blob());
const pixels = (bitmap) => {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, bitmap.width, bitmap.height).data;
};
Promise.all([decode(before), decode(after)]).then(([a, b]) => {
  if (a.width !== b.width || a.height !== b.height) return done(1);
  const [x, y] = [pixels(a), pixels(b)];
  let changed = 0;
  for (let i = 0; i < x.length; i += 4) {
    if (x[i] !== y[i] || x[i + 1] !== y[i + 1] || x[i + 2] !== y[i + 2]) changed += 1;
  }
  done(changed / (a.width * a.height));
}, () => done(1));
"""


def share_of_pixels_changed(page: Page, before: bytes, after: bytes) -> float:
    """The share of pixels that differ between two PNGs, decoded by the browser itself."""
    page.driver.get("about:blank")  # no CSP there to refuse data: URLs
    return page.driver.execute_async_script(
        COMPARE_PNGS, base64.b64encode(before).decode(), base64.b64encode(after).decode()
    )
