// The notes REST API as this page uses it: JSON in and out, every error an
// RFC 9457 problem document, the API token (when the server wants one) in
// the Authorization header. The page talks to nothing else.

const TOKEN_KEY = 'minidb-notes:api-token';

/** The token lives in sessionStorage: this tab only, gone when it closes. */
export const tokenStore = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An error answer of the API, carrying its problem document. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `The server answered ${status}.`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  /** The 422 problem's `errors`: [{field, message}]. */
  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

async function readProblem(response) {
  try {
    const body = await response.json();
    if (body && typeof body === 'object') return body;
  } catch {
    // Not JSON (a proxy's error page, say): the status alone has to do.
  }
  return { status: response.status, title: response.statusText, detail: '' };
}

/**
 * The target of `rel="next"` in a Link header (RFC 8288), or null. Only a
 * same-origin target is followed: the page talks to its own API alone.
 */
export function nextLink(header) {
  if (!header) return null;
  for (const link of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/s.exec(link);
    if (!match) continue;
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2]);
    const relations = rel ? (rel[1] ?? rel[2]).toLowerCase().split(/\s+/) : [];
    if (!relations.includes('next')) continue;
    const target = new URL(match[1], location.href);
    return target.origin === location.origin ? target.pathname + target.search : null;
  }
  return null;
}

export class Api {
  /**
   * @param {object} hooks
   * @param {(rejected: boolean) => Promise<boolean>} hooks.askForToken
   *   asks the user for the token (stored by the time it resolves true).
   * @param {import('./outage.js').Outage} hooks.outage tracks 503s and recovery.
   */
  constructor({ askForToken, outage }) {
    this.askForToken = askForToken;
    this.outage = outage;
  }

  /**
   * One API call. Resolves with {status, headers, data}; rejects with an
   * ApiError for an error answer, or the AbortError of `signal`.
   *
   * A 401 asks for the token and tries again. A 503 (or no answer at all)
   * reports an outage; reads then wait for the database and try again by
   * themselves, while writes fail at once so the caller can keep the
   * user's text and say it is not saved: repeating a POST whose fate is
   * unknown could store the note twice.
   */
  async request(method, url, { body, ifMatch, signal, waitForDatabase = method === 'GET' } = {}) {
    for (;;) {
      const token = tokenStore.get();
      const headers = new Headers({ Accept: 'application/json, application/problem+json' });
      if (body !== undefined) headers.set('Content-Type', 'application/json');
      if (ifMatch) headers.set('If-Match', ifMatch);
      if (token) headers.set('Authorization', `Bearer ${token}`);

      let response = null;
      try {
        response = await fetch(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
          cache: 'no-store',
          credentials: 'omit',
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        // No answer at all: the server is as unavailable as a 503 says.
      }

      if (response === null || response.status === 503) {
        const problem = response
          ? await readProblem(response)
          : { status: 503, detail: 'The server does not answer.' };
        this.outage.report(response && Number(response.headers.get('Retry-After')));
        if (!waitForDatabase) throw new ApiError(503, problem);
        await this.outage.recovered(signal);
        continue;
      }

      if (response.status === 401) {
        // Another request got a new token while this one was out: use it.
        const current = tokenStore.get();
        if (current && current !== token) continue;
        if (token) tokenStore.clear();
        if (await this.askForToken(Boolean(token))) continue;
        throw new ApiError(401, await readProblem(response));
      }

      if (!response.ok) throw new ApiError(response.status, await readProblem(response));
      const data = response.status === 204 ? null : await response.json();
      return { status: response.status, headers: response.headers, data };
    }
  }
}
