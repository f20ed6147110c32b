/** Human labels for the codes the API returns. Unknown codes are shown as they are (as text). */
export const urgencyLabels: Record<string, string> = {
  emergency: "Emergency",
  urgent: "Urgent",
  normal: "Normal",
};

export const statusLabels: Record<string, string> = {
  new: "New",
  in_review: "In review",
  pending_referral: "Pending referral",
  referred: "Referred",
  declined: "Declined",
  closed: "Closed",
};

export const routeLabels: Record<string, string> = {
  emergency_grant: "Emergency grant",
  temporary_relocation: "Temporary relocation",
  resettlement_referral: "Resettlement referral",
  digital_security: "Digital security",
};

export const langLabels: Record<string, string> = {
  en: "English",
  fr: "French",
  es: "Spanish",
  ar: "Arabic",
  ru: "Russian",
};

export const channelLabels: Record<string, string> = { telegram: "Telegram", sms: "SMS" };

/** A label for `code` from `table`, else the code itself with underscores as spaces. */
export function label(table: Record<string, string>, code: string): string {
  return table[code] ?? code.replace(/_/g, " ");
}

/** "due in 3 h 20 min" / "overdue by 2 h 5 min". */
export function slaText(remainingMs: number): string {
  const abs = Math.abs(remainingMs);
  const hours = Math.floor(abs / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const span = hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min`;
  return remainingMs < 0 ? `overdue by ${span}` : `due in ${span}`;
}
