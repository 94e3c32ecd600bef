// Small wording helpers every renderer shares.

/** A time as toISOString writes it (every Approval's times are): the minute can be read off the text. */
const CANONICAL_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** 2026-05-01 14:03 UTC: one unambiguous form for every surface. */
export function formatTime(iso: string): string {
  // A Pending page formats 50 of these; parsing each into a Date and back was a tenth of its render.
  if (CANONICAL_UTC.test(iso)) return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
