// Opt-in alerts for new held messages and raid alerts (issue 15): a short sound, and a desktop
// notification while the tab is not looked at. Both are off until the moderator turns them on
// in the header bar; the choice is remembered in localStorage per moderator (not per channel).
// The sound is synthesised with Web Audio (no file, nothing for the CSP to allow); the first
// click on "Sound" unlocks audio (browsers allow it only after a gesture) with a test chime.
// A desktop notification's text is set as text by the browser, never as HTML.

/** Sounds at most this often (a spam wave of holds is one chime, not fifty). */
export const SOUND_EVERY_MS = 1500;

/** The localStorage key of ``userId``'s alert choices. */
export function alertsKey(userId) {
  return `cw.modview.alerts.v1.${userId}`;
}

/** The stored choices, ``{sound, desktop}`` (both false when nothing or junk is stored). */
export function loadChoices(userId) {
  try {
    const raw = JSON.parse(localStorage.getItem(alertsKey(userId)) || "{}");
    return { sound: raw?.sound === true, desktop: raw?.desktop === true };
  } catch {
    return { sound: false, desktop: false };
  }
}

/** Build the alert toggles; returns ``{node, notify(title, body)}``. */
export function mountAlerts(ctx) {
  const { el, button } = ctx.dom;
  const userId = ctx.me.user.id;
  const choices = loadChoices(userId);
  const canDesktop = "Notification" in window;
  let audio = null;
  let lastSound = 0;

  function save() {
    localStorage.setItem(alertsKey(userId), JSON.stringify(choices));
  }

  function chime() {
    if (!audio) audio = new AudioContext();
    if (audio.state === "suspended") audio.resume().catch(() => {});
    const now = audio.currentTime;
    const gain = audio.createGain();
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.2, now + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.35);
    gain.connect(audio.destination);
    const tone = audio.createOscillator();
    tone.type = "sine";
    tone.frequency.setValueAtTime(880, now);
    tone.frequency.setValueAtTime(660, now + 0.12);
    tone.connect(gain);
    tone.start(now);
    tone.stop(now + 0.4);
  }

  const soundBtn = button("Sound", toggleSound, {
    class: "btn small alert-toggle", "aria-pressed": "false", "data-testid": "alert-sound",
    title: "Play a sound for new held messages and raid alerts",
  });
  const desktopBtn = button("Desktop alerts", toggleDesktop, {
    class: "btn small alert-toggle", "aria-pressed": "false", "data-testid": "alert-desktop",
    disabled: !canDesktop,
    title: canDesktop ? "Show a desktop notification for new held messages and raid alerts while this tab is in the background"
      : "This browser has no desktop notifications",
  });
  const status = el("span", { class: "visually-hidden", role: "status", "data-testid": "alert-status" });

  function render() {
    soundBtn.setAttribute("aria-pressed", String(choices.sound));
    desktopBtn.setAttribute("aria-pressed", String(choices.desktop));
  }

  function toggleSound() {
    choices.sound = !choices.sound;
    save();
    render();
    status.textContent = choices.sound ? "Sound alerts on" : "Sound alerts off";
    if (choices.sound) chime(); // the click unlocks audio; the moderator hears what it will be
  }

  async function toggleDesktop() {
    if (choices.desktop) {
      choices.desktop = false;
    } else {
      const permission = Notification.permission === "default"
        ? await Notification.requestPermission() : Notification.permission;
      if (permission !== "granted") {
        ctx.toast("Desktop notifications are blocked for this site in the browser's settings", "error");
        status.textContent = "Desktop alerts blocked by the browser";
        return;
      }
      choices.desktop = true;
    }
    save();
    render();
    status.textContent = choices.desktop ? "Desktop alerts on" : "Desktop alerts off";
  }

  /** A new hold or alert: the sound if chosen (throttled), a desktop notification if chosen and
   *  the tab is not looked at. ``tag`` groups notifications (a new one replaces the last). */
  function notify(title, body, tag) {
    if (choices.sound && Date.now() - lastSound >= SOUND_EVERY_MS) {
      lastSound = Date.now();
      try {
        chime();
      } catch {
        // audio unavailable: the tab title still counts
      }
    }
    const away = document.hidden || !document.hasFocus();
    if (choices.desktop && away && canDesktop && Notification.permission === "granted") {
      const note = new Notification(title, { body, tag, icon: "/static/favicon.svg" });
      note.addEventListener("click", () => {
        window.focus();
        note.close();
      });
    }
  }

  render();
  const node = el("div", { class: "alert-toggles", role: "group", "aria-label": "Alerts for new holds and raids" },
    soundBtn, desktopBtn, status);
  return { node, notify };
}
