// Live updates: ONE chat WebSocket per page (/api/v1/channels/{name}/chat/ws), shared by
// every panel. The server sends moderators every moderation event of the channel on it
// (AutoMod holds, queue resolutions, bans, unban requests, settings changes, and any new
// EventSub-shaped event type a later feature publishes), so panels need no socket of their own.
//
//   const off = live.on("message", (frame) => ...);        // by frame type
//   live.on("automod.message.hold", (frame) => ...);       // or by EventSub type (frame.event_type)
//   live.on("welcome", (frame) => reload());               // (re)connected: reload your state
//   live.on("resumed", (frame) => ...);  // reconnected with nothing lost: keep your state
//   live.on("status", ({ state }) => ...);  // "connecting" | "open" | "closed" | "signed_out"
//
// Resuming (with --bus, docs/scaling.md): channel event frames carry `seq`. Live remembers the
// newest `seq` it applied and reconnects with ?since=<it>; the server then answers a welcome
// with `resumed: true` and sends what was missed, so listeners get "resumed" (not "welcome":
// their state is still right) and then the missed frames. A frame whose `seq` was applied
// already (at or before the resume point, or seen on this connection) is dropped, so each
// event is applied once. `resumed: false` (the seq is too old, a fresh start) is an ordinary
// "welcome": reload. A user's notices about no channel carry `notice_seq` (a stream of their
// own); Live remembers the newest and reconnects with &notices_since=<it> too (the welcome's
// `notice_seq` is the cursor to start from), dropping a notice at or before it, so each such
// notice is applied once across reconnects. Reconnects back off (250 ms doubling to 10 s) with jitter, so a
// restarted gateway is not hit by all its clients at once.
//
// Close codes (chatwarden/web/ws.py): 4401 means the session or token is not valid, or ended
// while the socket was open (logout in another tab, expiry, revocation): the page says
// "signed out" and goes to the login page, which comes back here; it never reconnects.
// 4429 (too many sockets from this address) and everything else reconnect with back-off.
//   off();                                                 // stop listening
//
// Frame types (see chatwarden/web/frames.py): welcome, message, sent, held, blocked, rejected,
// error, notice, moderation, message_deleted, settings, queue, unban_request, automod, resync,
// event (anything else; its EventSub type is in frame.event_type). Batches are unwrapped here.

import { toLogin } from "./api.js";

const CLOSE_UNAUTHORIZED = 4401;
const APPLIED_MAX = 4096; // seqs remembered per connection (frames of two topics may interleave)

/** "1765084800000-3" -> [1765084800000, 3]; compare the numbers, not the text. */
function seqKey(seq) {
  const [ms, n] = String(seq).split("-");
  return [Number(ms), Number(n || 0)];
}

/** Whether seq a comes after seq b. */
export function seqAfter(a, b) {
  const [am, an] = seqKey(a);
  const [bm, bn] = seqKey(b);
  return am > bm || (am === bm && an > bn);
}

/** The wait before reconnect number `retry` (0, 1, ...): 250 ms doubling to 10 s, each
 * drawn between half and all of it (jitter). */
export function backoff(retry, random = Math.random) {
  const full = Math.min(10000, 250 * 2 ** retry);
  return Math.round(full / 2 + (random() * full) / 2);
}

export class Live {
  constructor(channel) {
    this.channel = channel;
    this.listeners = new Map();
    this.ws = null;
    this.state = "closed";
    this.retry = 0;
    this.stopped = false;
    this.welcome = null;
    this.seq = null; // the newest seq applied: where a reconnect resumes
    this.floor = null; // frames at or before it were applied on an earlier connection
    this.applied = new Set(); // seqs applied on this connection
    this.noticeSeq = null; // the newest notice_seq applied (notices about no channel)
  }

  /** Listen to a frame type, an EventSub type, "status" or "*"; returns an unsubscribe fn. */
  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    if (type === "welcome" && this.welcome) queueMicrotask(() => fn(this.welcome));
    return () => this.listeners.get(type)?.delete(fn);
  }

  emit(type, frame) {
    for (const fn of this.listeners.get(type) || []) {
      try {
        fn(frame);
      } catch (err) {
        console.error("live listener for", type, "failed:", err);
      }
    }
  }

  dispatch(frame) {
    if (frame.type === "welcome" && frame.notices_resumed !== true) {
      this.noticeSeq = frame.notice_seq || null; // a fresh start of the user's notices
    }
    if (frame.notice_seq && frame.type !== "welcome") {
      if (this.noticeSeq && !seqAfter(frame.notice_seq, this.noticeSeq)) return;
      this.noticeSeq = frame.notice_seq;
    }
    if (frame.type === "welcome") {
      if (frame.resumed === true) {
        this.emit("resumed", frame); // the missed frames follow; state is kept
        return;
      }
      this.welcome = frame; // a fresh start: its `recent` and state are up to frame.seq
      this.seq = frame.seq || null;
      this.floor = this.seq;
      this.applied.clear();
    } else if (frame.seq) {
      if (this.applied.has(frame.seq) || (this.floor && !seqAfter(frame.seq, this.floor))) return;
      this.applied.add(frame.seq);
      if (this.applied.size > APPLIED_MAX) this.applied.delete(this.applied.values().next().value);
      if (!this.seq || seqAfter(frame.seq, this.seq)) this.seq = frame.seq;
    }
    this.emit(frame.type, frame);
    if (frame.event_type && frame.event_type !== frame.type) this.emit(frame.event_type, frame);
    this.emit("*", frame);
  }

  setState(state) {
    this.state = state;
    this.emit("status", { state });
  }

  connect() {
    this.stopped = false;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    let url = `${scheme}://${location.host}/api/v1/channels/${encodeURIComponent(this.channel)}/chat/ws`;
    const query = [];
    if (this.seq) query.push(`since=${encodeURIComponent(this.seq)}`);
    if (this.noticeSeq) query.push(`notices_since=${encodeURIComponent(this.noticeSeq)}`);
    if (query.length) url += `?${query.join("&")}`;
    this.floor = this.seq;
    this.applied.clear();
    this.setState("connecting");
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.addEventListener("open", () => this.setState("open"));
    ws.addEventListener("message", (ev) => {
      let data;
      try {
        data = JSON.parse(ev.data);
      } catch {
        return;
      }
      const frames = data.type === "batch" ? data.frames : [data];
      for (const frame of frames) {
        if (frame.type === "welcome") this.retry = 0; // (not on open: a refused socket opens too)
        this.dispatch(frame);
      }
    });
    ws.addEventListener("close", (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (ev.code === CLOSE_UNAUTHORIZED) {
        this.stopped = true; // signed out: no reconnect loop
        this.setState("signed_out");
        toLogin();
        return;
      }
      this.setState("closed");
      if (this.stopped) return;
      setTimeout(() => this.connect(), backoff(this.retry++));
    });
    return this;
  }

  close() {
    this.stopped = true;
    this.ws?.close();
  }

  /** Send a raw frame; false if the socket is not open. */
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Send a chat message; returns its idempotency key (answers carry it), or null if offline. */
  say(text) {
    const key = crypto.randomUUID();
    return this.send({ type: "send", text, idempotency_key: key }) ? key : null;
  }
}
