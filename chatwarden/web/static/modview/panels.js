// THE list of Mod View panels, in display order: one line per panel, the name of its module
// under ./panels/ (./panels/<name>.js). See docs/web-ui.md, "Adding a Mod View panel".
export const PANELS = [
  "queue",
  "chat",
  "unban",
  "modlog",
  "team",
  "learning",
  "settings",
  "preview",
  "shield",
  "suspicious",
  "detection",
  "health",
  "shadow",
  "people",
  "banned",
  "roles",
  "connections",
];
