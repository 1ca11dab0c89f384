// JSON requests to the twin's API from the pages: same-origin session, CSRF token on every unsafe method.

/**
 * fetch `url` as JSON; resolves to {ok, status, data} (data null when the body is not JSON), never throws on an
 * HTTP error status. `csrf`: the page's csrfmiddlewaretoken, sent as X-CSRFToken on every method but GET.
 */
export async function jsonRequest(url, csrf, { method = "GET", body } = {}) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...(method !== "GET" ? { "X-CSRFToken": csrf } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  return { ok: response.ok, status: response.status, data };
}
