/** Small DOM and formatting helpers shared by the dashboard's panels. */

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** A share 0..1 as a percentage, `–` when there is nothing to divide. */
export const pct = (x: number | null | undefined) => (x == null ? '–' : `${(x * 100).toFixed(1)}%`);

/** HTML-escapes any value for use in innerHTML. */
export const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Today in China Standard Time, `YYYY-MM-DD`. */
export const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

export const daysBefore = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

export function showError(target: HTMLElement, error: unknown) {
  target.textContent = `⚠ ${(error as Error).message}`;
  target.classList.add('error');
}

/** Sets a status line: plain text, no error style. */
export function showStatus(target: HTMLElement, text: string) {
  target.classList.remove('error');
  target.textContent = text;
}

/** A table body's single message row (empty result or error). */
export const messageRow = (columns: number, text: string, error = false) =>
  `<tr><td colspan="${columns}" class="${error ? 'error' : 'muted'}">${error ? '⚠ ' : ''}${esc(text)}</td></tr>`;
