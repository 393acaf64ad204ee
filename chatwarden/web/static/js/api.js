// The one way pages talk to the HTTP API: same-origin fetch with the session cookie, the
// CSRF header on every state-changing request, JSON in and out, one error shape.
//
//   import { api, ApiError } from "/static/js/api.js";
//   const items = await api.get(`/channels/${ch}/queue`);
//   await api.post(`/queue/${id}`, { action: "allow" });
//   try { ... } catch (e) { if (e instanceof ApiError) show(e.message); }
//
// A 401 (no session, or the session expired) sends the browser to the login page, which
// comes back here after logging in.

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.name = "ApiError";
    this.status = status; // HTTP status (0: the network failed)
    this.code = code; // the server's stable error code, e.g. "forbidden", "conflict"
    this.body = body;
  }
}

export function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return "";
}

/** The CSRF token of this session (the readable cw_csrf cookie set at login). */
export function csrfToken() {
  return cookie("cw_csrf");
}

export function loginUrl() {
  const here = location.pathname + location.search;
  return "/?next=" + encodeURIComponent(here);
}

/** Go to the login page (used on 401 and when the chat socket says the session is gone). */
export function toLogin() {
  if (location.pathname !== "/") location.assign(loginUrl());
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Call the API. ``path`` is relative to /api/v1 (or absolute when it starts with /api/).
 * ``body``: an object (sent as JSON) or a string (sent as text/plain).
 * Resolves to the parsed JSON (or text for non-JSON answers, null for 204).
 */
export async function request(method, path, body, { query, redirectOn401 = true } = {}) {
  let url = path.startsWith("/api/") ? path : API + path;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
    }
    const s = qs.toString();
    if (s) url += (url.includes("?") ? "&" : "?") + s;
  }
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (UNSAFE.has(method)) headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) {
    if (typeof body === "string") {
      headers["Content-Type"] = "text/plain";
      init.body = body;
    } else {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new ApiError(0, "network_error", "The server could not be reached. Try again.", null);
  }
  if (res.status === 204) return null;
  const type = res.headers.get("content-type") || "";
  const data = type.includes("application/json") ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    const err = (data && data.error) || {};
    if (res.status === 401 && redirectOn401) toLogin();
    const message = err.message || `Request failed (${res.status})`;
    throw new ApiError(res.status, err.code || "http_error", message, data);
  }
  return data;
}

export const api = {
  get: (path, query, opts) => request("GET", path, undefined, { ...opts, query }),
  post: (path, body, opts) => request("POST", path, body, opts),
  put: (path, body, opts) => request("PUT", path, body, opts),
  patch: (path, body, opts) => request("PATCH", path, body, opts),
  del: (path, query, opts) => request("DELETE", path, undefined, { ...opts, query }),
};

/** URL-encode one path segment (channel and user names). */
export const seg = (s) => encodeURIComponent(String(s));
