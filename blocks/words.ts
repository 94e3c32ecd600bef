// Small wording helpers every renderer shares.

/** 2026-05-01 14:03 UTC: one unambiguous form for every surface. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
