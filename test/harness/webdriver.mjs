// The few W3C WebDriver commands the WebKit engine needs, over fetch. Every request has a timeout:
// a WebKitWebDriver without a usable display accepts a new session and never answers.

/** One command; resolves to the answer's `value`, throws WebDriver's error otherwise. */
async function command(base, method, path, body, timeoutMs = 30_000) {
  const response = await fetch(base + path, {
    method,
    headers: body ? { 'content-type': 'application/json; charset=utf-8' } : {},
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((error) => { throw new Error(`WebDriver ${method} ${path}: ${error.cause?.message ?? error.message}`); });
  const { value } = await response.json();
  if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${value?.error}: ${value?.message}`);
  return value;
}

/** Whether the driver at `base` accepts sessions. */
export const ready = (base) => command(base, 'GET', '/status', undefined, 2_000).then((v) => v.ready);

/** A browser session: open a URL, run scripts in it, end it. */
export async function newSession(base, capabilities, timeoutMs) {
  const { sessionId, capabilities: actual } = await command(base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } }, timeoutMs);
  const session = `${base}/session/${sessionId}`;
  return {
    capabilities: actual,
    /** Waits for the page to load (the session's pageLoad timeout), `timeoutMs` at most. */
    navigate: (url, timeoutMs) => command(session, 'POST', '/url', { url }, timeoutMs),
    /** Run a function body; a promise it returns is awaited (W3C Execute Script). */
    execute: (script, args = [], timeoutMs) => command(session, 'POST', '/execute/sync', { script, args }, timeoutMs),
    /** The visible page as a PNG, base64-encoded. */
    screenshot: () => command(session, 'GET', '/screenshot'),
    end: () => command(session, 'DELETE', ''),
  };
}
