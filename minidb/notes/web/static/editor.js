// The note form: creates a note, or edits the selected one with If-Match.
// Whatever goes wrong (a 422, a conflicting edit, an outage, a deleted
// note), the text in the form stays exactly as the user typed it.

import { ApiError } from './api.js';

/** "a, b,, c " -> ["a", "b", "c"]: trimmed, no empties, no repeats. */
export function parseTags(text) {
  const tags = [];
  for (const part of text.split(',')) {
    const tag = part.trim();
    if (tag && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

const UNAVAILABLE = 'Not saved: the database is unavailable.';
const FIELD_LABELS = { title: 'Title', content: 'Content', tags: 'Tags' };

function sameValues(a, b) {
  return a.title === b.title && a.content === b.content && a.tags.join('\n') === b.tags.join('\n');
}

export class Editor {
  constructor({ form, heading, conflict, api, list, announce, confirm }) {
    Object.assign(this, { form, heading, conflict, api, list, announce, confirm });
    this.fields = {
      title: form.elements.namedItem('title'),
      content: form.elements.namedItem('content'),
      tags: form.elements.namedItem('tags'),
    };
    this.formError = form.querySelector('#form-error');
    this.id = null; // the note being edited; null for a new one
    this.etag = null; // its ETag when it was loaded or last saved
    this.saved = this.values(); // what the form held when last loaded or saved
    this.pendingConflict = null;
    this.saving = false;

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.save();
    });
    conflict.querySelector('#keep-mine').addEventListener('click', () => this.keepMine());
    conflict.querySelector('#take-theirs').addEventListener('click', () => this.takeTheirs());
  }

  values() {
    return {
      title: this.fields.title.value,
      content: this.fields.content.value,
      tags: parseTags(this.fields.tags.value),
    };
  }

  isDirty() {
    return !sameValues(this.values(), this.saved);
  }

  hasFocus() {
    return this.form.contains(document.activeElement);
  }

  fill(note) {
    this.fields.title.value = note ? note.title : '';
    this.fields.content.value = note ? note.content : '';
    this.fields.tags.value = note ? note.tags.join(', ') : '';
  }

  /** Show `note` (null: an empty form for a new note) as the one being edited. */
  load(note, etag) {
    this.id = note ? note.id : null;
    this.etag = note ? etag : null;
    this.fill(note);
    this.saved = this.values();
    this.heading.textContent = note ? 'Edit note' : 'New note';
    this.clearErrors();
    this.hideConflict();
    this.list.select(this.id);
  }

  /** Unsaved text may be dropped only with the user's say-so. */
  async mayDiscard() {
    if (!this.isDirty()) return true;
    return this.confirm({
      heading: 'Discard your changes?',
      text: 'The note in the form has changes that are not saved.',
      confirmLabel: 'Discard changes',
    });
  }

  async startNew() {
    if (!(await this.mayDiscard())) return;
    this.load(null);
    this.fields.title.focus();
  }

  async open(id) {
    if (id === this.id && !this.isDirty()) {
      this.fields.title.focus();
      return;
    }
    if (!(await this.mayDiscard())) return;
    try {
      // Fetched, not taken from the list: the ETag for If-Match comes with it.
      const { data, headers } = await this.api.request('GET', `/notes/${encodeURIComponent(id)}`);
      this.load(data, headers.get('ETag'));
      this.list.replaced(data);
      this.fields.title.focus();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 404) {
        this.list.removed(id);
        this.announce('That note has been deleted elsewhere.');
      } else {
        this.announce(`Could not open the note: ${error.message}`);
      }
    }
  }

  /** The note was deleted: its text, if changed, stays in the form as a new note. */
  forget(id) {
    if (this.id !== id) return;
    if (this.isDirty()) {
      this.id = null;
      this.etag = null;
      this.heading.textContent = 'New note';
      this.hideConflict();
    } else {
      this.load(null);
    }
  }

  clearErrors() {
    this.formError.textContent = '';
    for (const field of Object.values(this.fields)) field.removeAttribute('aria-invalid');
    for (const message of this.form.querySelectorAll('.field-error')) message.textContent = '';
  }

  showError(text) {
    this.formError.textContent = text;
  }

  /** A 422's messages, each next to its field ("tags[2]" belongs to tags). */
  showFieldErrors(errors) {
    const byField = new Map();
    const general = [];
    const tags = this.values().tags;
    for (const { field, message } of errors) {
      const match = /^(title|content|tags)(?:\[(\d+)\])?$/.exec(field ?? '');
      if (!match) {
        general.push(field ? `${field}: ${message}` : message);
        continue;
      }
      const [, name, index] = match;
      const text =
        index === undefined ? `${FIELD_LABELS[name]} ${message}.` : `Tag “${tags[index] ?? index}” ${message}.`;
      byField.set(name, [...(byField.get(name) ?? []), text]);
    }
    let first = null;
    for (const [name, texts] of byField) {
      this.form.querySelector(`.field-error[data-field="${name}"]`).textContent = texts.join(' ');
      this.fields[name].setAttribute('aria-invalid', 'true');
      first ??= this.fields[name];
    }
    this.showError(
      general.length ? `Not saved: ${general.join('; ')}` : 'Not saved: please correct the fields marked below.',
    );
    (first ?? this.fields.title).focus();
  }

  async save() {
    if (this.saving) return;
    this.saving = true;
    // Not `disabled`: that would throw the keyboard focus off the Save button.
    this.form.setAttribute('aria-busy', 'true');
    this.clearErrors();
    const sent = this.values();
    const creating = this.id === null;
    try {
      const { data, headers } = creating
        ? await this.api.request('POST', '/notes', { body: sent })
        : await this.api.request('PUT', `/notes/${encodeURIComponent(this.id)}`, {
            body: sent,
            ifMatch: this.etag,
          });
      this.afterSave(data, headers.get('ETag'), sent);
      if (creating) {
        const shown = this.list.added(data);
        this.announce(shown ? 'Note created.' : 'Note created; the current filter does not show it.');
      } else {
        this.list.replaced(data);
        this.announce('Note saved.');
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      await this.failed(error);
    } finally {
      this.saving = false;
      this.form.setAttribute('aria-busy', 'false');
    }
  }

  afterSave(note, etag, sent) {
    this.id = note.id;
    this.etag = etag;
    this.heading.textContent = 'Edit note';
    this.hideConflict();
    this.list.select(note.id);
    // Typing may have gone on while the request was out: never overwrite it.
    if (sameValues(this.values(), sent)) this.fill(note);
    this.saved = { title: note.title, content: note.content, tags: note.tags };
  }

  /** The outage is over: a save that failed on it can now be tried again. */
  databaseBack() {
    if (this.formError.textContent.startsWith(UNAVAILABLE)) {
      this.showError('The database is back: save again to keep your changes.');
    }
  }

  async failed(error) {
    switch (error.status) {
      case 422:
        this.showFieldErrors(error.fieldErrors);
        break;
      case 412:
        await this.showConflict();
        break;
      case 404:
        this.showDeleted();
        break;
      case 503:
        this.showError(`${UNAVAILABLE} Your text is still here; save again once it is back.`);
        break;
      case 401:
        this.showError('Not saved: this server needs its API token.');
        break;
      default:
        this.showError(`Not saved: ${error.message}`);
    }
  }

  // --- conflicts: the note changed (412) or went away (404) since it was loaded

  renderVersion(container, values) {
    for (const part of ['title', 'content', 'tags']) {
      const value = part === 'tags' ? values.tags.join(', ') : values[part];
      container.querySelector(`[data-part="${part}"]`).textContent = value || '—';
    }
  }

  async showConflict() {
    let stored;
    try {
      const { data, headers } = await this.api.request('GET', `/notes/${encodeURIComponent(this.id)}`);
      stored = { note: data, etag: headers.get('ETag') };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.showDeleted();
        return;
      }
      this.showError(`Not saved: the note changed elsewhere, and fetching it failed: ${error.message}`);
      return;
    }
    this.pendingConflict = stored;
    this.list.replaced(stored.note);
    this.conflict.querySelector('#conflict-heading').textContent = 'This note was changed elsewhere';
    this.conflict.querySelector('#conflict-explanation').textContent =
      'Someone saved a newer version while you were editing. Your text is still in the form. ' +
      'Keep yours to save it over the stored version, or take the stored one.';
    this.conflict.querySelector('#keep-mine').textContent = 'Keep mine';
    this.conflict.querySelector('#take-theirs').textContent = 'Take theirs';
    this.renderVersion(this.conflict.querySelector('#conflict-stored'), stored.note);
    this.renderVersion(this.conflict.querySelector('#conflict-mine'), this.values());
    this.conflict.querySelector('#conflict-stored').hidden = false;
    this.openConflict();
  }

  showDeleted() {
    this.pendingConflict = { note: null, etag: null };
    this.list.removed(this.id);
    this.conflict.querySelector('#conflict-heading').textContent = 'This note was deleted elsewhere';
    this.conflict.querySelector('#conflict-explanation').textContent =
      'Your text is still in the form. Keep it as a new note, or discard it.';
    this.conflict.querySelector('#keep-mine').textContent = 'Keep mine as a new note';
    this.conflict.querySelector('#take-theirs').textContent = 'Discard mine';
    this.conflict.querySelector('#conflict-stored').hidden = true;
    this.renderVersion(this.conflict.querySelector('#conflict-mine'), this.values());
    this.openConflict();
  }

  openConflict() {
    this.conflict.hidden = false;
    this.showError('Not saved yet: see below.');
    this.conflict.querySelector('#conflict-heading').focus();
  }

  hideConflict() {
    this.conflict.hidden = true;
    this.pendingConflict = null;
  }

  async keepMine() {
    const stored = this.pendingConflict;
    if (!stored) return;
    if (stored.note) {
      this.etag = stored.etag; // overwrite exactly the version the user has now seen
    } else {
      this.id = null;
      this.etag = null;
    }
    this.hideConflict();
    await this.save();
    if (this.conflict.hidden && !this.formError.textContent) this.fields.title.focus();
  }

  takeTheirs() {
    const stored = this.pendingConflict;
    if (!stored) return;
    this.load(stored.note, stored.etag); // the user chose to drop their text
    this.announce(stored.note ? 'The stored version is in the form.' : 'Your text was discarded.');
    this.fields.title.focus();
  }
}
