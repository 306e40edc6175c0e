// The list of notes: newest first, a page at a time, following the API's
// Link header as the reader nears the end. Every piece of note text goes
// into the page through textContent, so markup in a note is shown, not run.

import { ApiError, nextLink } from './api.js';

const PAGE_MARGIN = '600px'; // start loading the next page this far before the end

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Making a DateTimeFormat loads locale data, about 20 ms here: so it is made
// on first use, which loadMore arranges while the first page is in flight.
let timeFormat = null;
const formatter = () =>
  (timeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }));

export function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : formatter().format(date);
}

/** The page URL that shows notes with this tag (and the current search). */
export function filterUrl({ q, tag }) {
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  if (tag) params.set('tag', tag);
  const query = params.toString();
  return query ? `/?${query}` : '/';
}

/** Whether a note belongs in a list filtered by `q` and `tag`, as the API decides it. */
export function matches(note, { q, tag }) {
  if (tag && !note.tags.includes(tag)) return false;
  if (!q) return true;
  const needle = q.toLowerCase();
  return note.title.toLowerCase().includes(needle) || note.content.toLowerCase().includes(needle);
}

export function renderNote(note, query) {
  const article = element('article', 'note');
  article.dataset.noteId = note.id;
  const titleId = `note-${note.id}-title`;
  article.setAttribute('aria-labelledby', titleId);

  const title = element('h3', 'note-title', note.title);
  title.id = titleId;
  const meta = element('p', 'note-meta', 'Updated ');
  const time = element('time', '', formatTime(note.updated_at));
  time.dateTime = note.updated_at;
  meta.append(time);
  article.append(title, meta);

  if (note.content) article.append(element('p', 'note-content', note.content));

  if (note.tags.length) {
    const tags = element('ul', 'tags');
    tags.setAttribute('aria-label', 'Tags');
    for (const tag of note.tags) {
      const link = element('a', 'tag', tag);
      link.href = filterUrl({ q: query.q, tag });
      link.dataset.tag = tag;
      const item = element('li');
      item.append(link);
      tags.append(item);
    }
    article.append(tags);
  }

  const actions = element('div', 'note-actions');
  for (const [action, label] of [['edit', 'Edit'], ['delete', 'Delete']]) {
    const button = element('button', 'button', label);
    button.type = 'button';
    button.dataset.action = action;
    // "Edit" alone says nothing out of context; the hidden part names the note.
    button.append(element('span', 'visually-hidden', ` “${note.title}”`));
    actions.append(button);
  }
  article.append(actions);
  return article;
}

export class NoteList {
  constructor({ container, more, status, api, onEdit, onDelete, onTag, onPageShown }) {
    Object.assign(this, { container, more, status, api, onEdit, onDelete, onTag, onPageShown });
    this.notes = new Map();
    this.query = { q: '', tag: '' };
    this.next = null;
    this.generation = 0;
    this.busy = false;
    this.failed = false;

    container.addEventListener('click', (event) => this.onClick(event));
    more.addEventListener('click', () => this.loadMore());
    this.observer = new IntersectionObserver(
      (entries) => {
        // After a failure the button says "Try again": that is for the reader to press.
        if (!this.failed && entries.some((entry) => entry.isIntersecting)) this.loadMore();
      },
      { rootMargin: `0px 0px ${PAGE_MARGIN} 0px` },
    );
    this.observer.observe(more);
  }

  onClick(event) {
    const article = event.target.closest('article[data-note-id]');
    if (!article) return;
    const id = article.dataset.noteId;
    const tagLink = event.target.closest('a[data-tag]');
    if (tagLink) {
      // Plain clicks filter in place; modified clicks open the link as usual.
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      this.onTag(tagLink.dataset.tag);
      return;
    }
    const action = event.target.closest('button[data-action]')?.dataset.action;
    if (action === 'edit') this.onEdit(id);
    else if (action === 'delete') this.onDelete(id);
  }

  /**
   * Drop the request in flight, if any: its results are already out of date
   * (the reader typed on), and showing them would only flash stale notes.
   */
  cancel() {
    this.controller?.abort();
    this.controller = new AbortController();
    this.generation += 1;
    this.busy = false;
  }

  /** Show the first page for `query` ({q, tag}); resolves once it is on screen. */
  async show(query, { mark } = {}) {
    this.cancel();
    this.query = { ...query };
    this.notes.clear();
    const params = new URLSearchParams(Object.entries(this.query).filter(([, value]) => value));
    this.next = params.size ? `/notes?${params}` : '/notes';
    this.busy = false;
    await this.loadMore({ mark, replace: true });
  }

  async loadMore({ mark, replace = false } = {}) {
    if (!this.next || this.busy) return;
    const generation = this.generation;
    const { signal } = this.controller;
    const url = this.next;
    this.busy = true;
    this.failed = false;
    this.container.setAttribute('aria-busy', 'true');
    this.more.hidden = true;
    let page;
    try {
      const request = this.api.request('GET', url, { signal });
      formatter(); // the request is on its way: a good moment for the slow set-up
      page = await request;
    } catch (error) {
      if (signal.aborted) return;
      this.busy = false;
      this.failed = true;
      this.container.setAttribute('aria-busy', 'false');
      this.status.textContent =
        error instanceof ApiError && error.status === 401
          ? 'This server needs its API token to show your notes.'
          : `Could not load notes: ${error.message}`;
      this.more.textContent = 'Try again';
      this.more.hidden = false;
      return;
    }
    if (generation !== this.generation) return; // a newer search took over

    const fragment = document.createDocumentFragment();
    for (const note of page.data) {
      this.notes.set(note.id, note);
      fragment.append(renderNote(note, this.query));
    }
    if (replace) this.container.replaceChildren(fragment);
    else this.container.append(fragment);
    this.next = nextLink(page.headers.get('Link'));
    this.busy = false;
    this.container.setAttribute('aria-busy', 'false');
    this.more.textContent = 'Load more notes';
    this.more.hidden = !this.next;
    this.describe();
    if (mark) {
      performance.mark(mark);
      // A frame later the new notes have been laid out and painted.
      requestAnimationFrame(() => setTimeout(() => performance.mark(`${mark}-painted`)));
    }
    this.onPageShown?.();
    // A tall window may still show the end of the list: keep filling it.
    if (this.next && this.nearEnd()) queueMicrotask(() => this.loadMore());
  }

  nearEnd() {
    return this.more.getBoundingClientRect().top < window.innerHeight + parseInt(PAGE_MARGIN, 10);
  }

  describe() {
    const count = this.notes.size;
    const { q, tag } = this.query;
    if (count === 0) {
      this.status.textContent = q || tag ? 'No notes match.' : 'No notes yet: write the first one.';
    } else {
      const noun = count === 1 ? 'note' : 'notes';
      this.status.textContent = `${count} ${noun}${this.next ? ' so far; more load as you scroll' : ''}.`;
    }
  }

  get(id) {
    return this.notes.get(id);
  }

  articleFor(id) {
    return this.container.querySelector(`article[data-note-id="${CSS.escape(id)}"]`);
  }

  /** A note was created: show it on top if the current filter would list it. */
  added(note) {
    if (!matches(note, this.query)) return false;
    this.notes.set(note.id, note);
    this.container.prepend(renderNote(note, this.query));
    this.describe();
    return true;
  }

  /** A note changed: redraw it where it is (the list is ordered by creation). */
  replaced(note) {
    const article = this.articleFor(note.id);
    if (!article) return;
    this.notes.set(note.id, note);
    const selected = article.classList.contains('selected');
    // A keyboard user on this note's Edit or Delete button stays on it.
    const focused = article.contains(document.activeElement)
      ? document.activeElement.closest('[data-action]')?.dataset.action
      : null;
    const fresh = renderNote(note, this.query);
    fresh.classList.toggle('selected', selected);
    article.replaceWith(fresh);
    if (focused) fresh.querySelector(`[data-action="${focused}"]`).focus();
  }

  removed(id) {
    this.articleFor(id)?.remove();
    this.notes.delete(id);
    this.describe();
  }

  select(id) {
    for (const article of this.container.querySelectorAll('article.selected')) {
      article.classList.remove('selected');
    }
    if (id) this.articleFor(id)?.classList.add('selected');
  }
}
