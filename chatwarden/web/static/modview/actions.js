// Human-readable names of every action the mod log records, in groups (THE one table: the mod
// log panel's filter and its entries use it; tests/web/test_modlog.py checks that every action
// the services write has a name here). A group's `family` ("automod.*") is a server-side filter
// for all of its actions at once; a group without one has no common prefix.

export const ACTION_GROUPS = [
  {
    label: "Moderators",
    actions: [
      ["delete", "Message deleted"],
      ["clear", "Chat cleared"],
      ["warn", "Warned"],
      ["timeout", "Timed out"],
      ["untimeout", "Timeout lifted"],
      ["ban", "Banned"],
      ["unban", "Unbanned"],
      ["note.add", "Note added"],
      ["note.delete", "Note deleted"],
      ["unban_request.approve", "Unban request approved"],
      ["unban_request.deny", "Unban request denied"],
    ],
  },
  {
    label: "AutoMod",
    family: "automod.*",
    actions: [
      ["automod.hold", "AutoMod held a message"],
      ["automod.block", "AutoMod blocked a message"],
      ["automod.approve", "Held message allowed"],
      ["automod.deny", "Held message denied"],
      ["automod.settings.update", "AutoMod levels changed"],
      ["automod.terms.add", "Term added"],
      ["automod.terms.remove", "Term removed"],
      ["automod.terms.import", "Terms imported"],
      ["automod.learning.update", "AutoMod learned from moderators"],
      ["automod.learning.freeze", "Learning frozen"],
      ["automod.learning.unfreeze", "Learning unfrozen"],
      ["automod.learning.reset", "Learning reset"],
      ["automod.learning.rollback", "Learning rolled back"],
    ],
  },
  {
    label: "Detection",
    family: "detection.*",
    actions: [
      ["detection.hold", "Detection held a message"],
      ["detection.delete", "Removed by detection"],
      ["detection.timeout", "Detection blocked and timed out"],
      ["detection.timeout_user", "Timed out by detection"],
      ["detection.raid_alert", "Raid alert"],
      ["detection.permit", "Link permitted"],
      ["detection.settings.update", "Detection settings changed"],
    ],
  },
  {
    label: "Strikes",
    family: "strike.*",
    actions: [
      ["strike.warn", "Strike: warned"],
      ["strike.timeout", "Strike: timed out"],
      ["strike.ban", "Strike: banned"],
    ],
  },
  {
    label: "Suspicious users",
    family: "suspicious.*",
    actions: [
      ["suspicious.monitored", "Marked as monitored"],
      ["suspicious.restricted", "Marked as restricted"],
      ["suspicious.clear", "Suspicion cleared"],
    ],
  },
  {
    label: "Shield Mode",
    family: "shield.*",
    actions: [
      ["shield.on", "Shield Mode on"],
      ["shield.off", "Shield Mode off"],
      ["shield.bulk_ban", "Shield Mode bulk ban"],
      ["shield.preset.update", "Shield Mode preset changed"],
    ],
  },
  {
    label: "Channel settings",
    actions: [
      ["chat_settings.update", "Chat modes changed"],
      ["rules.update", "Channel rules changed"],
      ["calibration.settle", "Disagreement settled"],
      ["shadow.update", "Shadow mode changed"],
      ["shadow.disable", "Shadow mode off"],
      ["policy_list.create", "Policy list created"],
      ["policy_list.import", "Policy list imported"],
      ["policy_list.delete", "Policy list deleted"],
      ["policy_list.subscribe", "Policy list subscribed"],
      ["policy_list.unsubscribe", "Policy list unsubscribed"],
      ["sharing.agree", "Ban sharing agreed"],
      ["sharing.revoke", "Ban sharing revoked"],
      ["webhook.create", "Webhook added"],
      ["webhook.delete", "Webhook removed"],
      ["connection.add", "Connection added"],
      ["connection.update", "Connection token or settings replaced"],
      ["connection.remove", "Connection removed"],
      ["connection.token_refresh", "Connection token refreshed"],
      ["connection.automod_push", "AutoMod settings written to Twitch"],
    ],
  },
  {
    label: "Team",
    family: "role.*",
    actions: [
      ["role.lead_moderator", "Made lead moderator"],
      ["role.moderator", "Made moderator"],
      ["role.vip", "Made VIP"],
      ["role.remove", "Role removed"],
    ],
  },
];

const NAMES = new Map(ACTION_GROUPS.flatMap((g) => g.actions));

/** The human-readable name of `action`; an action added later without a name here reads as
 * its words ("foo.bar_baz" -> "Foo bar baz") rather than as a code. */
export function actionName(action) {
  const known = NAMES.get(action);
  if (known) return known;
  const words = String(action || "").replace(/[._]+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : "Unknown action";
}
