// What the domain needs from the outside world, handed in by the composition root (bot/app.ts).
import type { Database } from "../db/open.ts";
import type { ResourceSet } from "../model/resources.ts";
import type { Clock } from "./clock.ts";

export interface HandlerDeps {
  database: Database;
  clock: Clock;
  /** The resources loaded at start-up (Roles for overrides, Teams for membership). */
  resources: () => ResourceSet;
}
