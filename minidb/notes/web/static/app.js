// The notes page: wires the list, the editor, search, tags, keys, the
// outage banner and the token prompt together. The page's URL holds the
// search and the tag (/?q=…&tag=…), so a filtered view can be bookmarked.
//
// Performance marks for `make bench`: "notes:first-page" when the first page
// of notes is in the DOM, "notes:search-input" on every keystroke in search,
// "notes:search-results" when a search's results are in the DOM, and each
// of the two with "-painted" a frame later, once they are on screen.

import { Api, ApiError, tokenStore } from './api.js';
import { confirmAction, tokenPrompt } from './dialogs.js';
import { Editor } from './editor.js';
import { filterUrl, NoteList } from './list.js';
import { Outage } from './outage.js';

// Short enough that results show well within 200 ms of the last keystroke,
// long enough that a fast typist sends one request, not one per letter.
const SEARCH_DELAY_MS = 90;

const $ = (selector) => document.querySelector(selector);
const search = $('#search');
const status = $('#status');

function announce(text) {
  status.textContent = text;
}

function readQuery() {
  const params = new URLSearchParams(location.search);
  return { q: params.get('q') ?? '', tag: params.get('tag') ?? '' };
}

let query = readQuery();

const outage = new Outage($('#banner'));
const api = new Api({ askForToken: tokenPrompt($('#token-dialog'), tokenStore), outage });
const confirm = (options) => confirmAction($('#confirm-dialog'), options);

const list = new NoteList({
  container: $('#note-list'),
  more: $('#load-more'),
  status,
  api,
  onEdit: (id) => editor.open(id),
  onDelete: (id) => deleteNote(id),
  onTag: (tag) => navigate({ ...query, tag }, { push: true }),
  onPageShown: () => list.select(editor.id),
});

const editor = new Editor({
  form: $('#note-form'),
  heading: $('#editor-heading'),
  conflict: $('#conflict'),
  api,
  list,
  announce,
  confirm,
});

function showQuery() {
  if (search.value !== query.q) search.value = query.q;
  $('#tag-filter').hidden = !query.tag;
  $('#tag-filter-name').textContent = query.tag;
}

/** Show notes for `next` ({q, tag}) and put it in the URL. */
function navigate(next, { push = false, mark } = {}) {
  query = { q: next.q ?? '', tag: next.tag ?? '' };
  const url = filterUrl(query);
  if (url !== location.pathname + location.search) {
    // A new tag is a place to go back from; each keystroke of a search is not.
    history[push ? 'pushState' : 'replaceState'](null, '', url);
  }
  showQuery();
  return list.show(query, { mark });
}

let searchTimer;
search.addEventListener('input', () => {
  performance.mark('notes:search-input');
  clearTimeout(searchTimer);
  list.cancel();
  searchTimer = setTimeout(
    () => navigate({ ...query, q: search.value }, { mark: 'notes:search-results' }),
    SEARCH_DELAY_MS,
  );
});
$('#search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(searchTimer);
  navigate({ ...query, q: search.value }, { mark: 'notes:search-results' });
});
$('#clear-tag').addEventListener('click', () => navigate({ ...query, tag: '' }, { push: true }));
window.addEventListener('popstate', () => {
  query = readQuery();
  showQuery();
  list.show(query);
});
$('#new-note').addEventListener('click', () => editor.startNew());

async function deleteNote(id) {
  let current;
  try {
    // The confirmation names the note as it is now, and the delete is of that version only.
    const { data, headers } = await api.request('GET', `/notes/${encodeURIComponent(id)}`);
    current = { note: data, etag: headers.get('ETag') };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 404) {
      list.removed(id);
      editor.forget(id);
      announce('That note was already deleted.');
    } else {
      announce(`Not deleted: ${error.message}`);
    }
    return;
  }
  list.replaced(current.note);
  const confirmed = await confirm({
    heading: 'Delete this note?',
    text: `“${current.note.title}” will be deleted for good.`,
    confirmLabel: 'Delete',
  });
  if (!confirmed) return;
  try {
    await api.request('DELETE', `/notes/${encodeURIComponent(id)}`, { ifMatch: current.etag });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 412) {
      announce('Not deleted: the note changed after you confirmed. Look at it again first.');
      editor.open(id);
      return;
    }
    if (error.status !== 404) {
      announce(
        error.status === 503 ? 'Not deleted: the database is unavailable.' : `Not deleted: ${error.message}`,
      );
      return;
    }
  }
  list.removed(id);
  editor.forget(id);
  announce('Note deleted.');
  $('#notes-heading').focus();
}

outage.addEventListener('up', () => {
  announce('The database is back.');
  editor.databaseBack();
});

function isTyping(target) {
  return target instanceof HTMLElement && (target.isContentEditable || target.matches('input, textarea, select'));
}

document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.isComposing || document.querySelector('dialog[open]')) return;
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey) {
    if (editor.hasFocus() || editor.isDirty()) {
      event.preventDefault();
      editor.save();
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
  if (event.key === '/') {
    event.preventDefault();
    search.focus();
    search.select();
  } else if (event.key === 'n') {
    event.preventDefault();
    editor.startNew();
  }
});

showQuery();
list.show(query, { mark: 'notes:first-page' });
