// The database outage banner. The first 503 shows it; from then on the page
// asks GET /healthz, as often as the server's Retry-After says, until the
// database answers again. Reads waiting on the outage then carry on by
// themselves, and the banner goes away.

const DEFAULT_RETRY_SECONDS = 5;
const MAX_RETRY_SECONDS = 30;

function retrySeconds(value) {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) return DEFAULT_RETRY_SECONDS;
  return Math.min(Math.max(seconds, 1), MAX_RETRY_SECONDS);
}

export class Outage extends EventTarget {
  /** @param {HTMLElement} banner an ARIA live region, present from page load. */
  constructor(banner) {
    super();
    this.banner = banner;
    this.active = false;
    this.waiters = [];
    this.delay = DEFAULT_RETRY_SECONDS;
  }

  /** A request met a 503 (or no answer); `retryAfter` is its Retry-After, if any. */
  report(retryAfter) {
    this.delay = retrySeconds(retryAfter);
    if (this.active) return;
    this.active = true;
    this.banner.textContent =
      'The database is unavailable. This page retries by itself; nothing you typed is lost.';
    this.dispatchEvent(new Event('down'));
    this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.probe(), this.delay * 1000);
  }

  async probe() {
    let healthy = false;
    try {
      // /healthz needs no token, so this works before anyone has typed one.
      const response = await fetch('/healthz', { cache: 'no-store', credentials: 'omit' });
      healthy = response.ok;
      if (!healthy) this.delay = retrySeconds(response.headers.get('Retry-After'));
    } catch {
      healthy = false;
    }
    if (!healthy) {
      this.schedule();
      return;
    }
    this.active = false;
    this.banner.textContent = '';
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
    this.dispatchEvent(new Event('up'));
  }

  /** Resolves once the database answers again (at once if it already does). */
  recovered(signal) {
    if (!this.active) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push(resolve);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }
}
