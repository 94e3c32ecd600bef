// One way to open the database: embedded PGlite when there is no DATABASE_URL, PostgreSQL through pg
// otherwise. The same committed migrations run on both at start-up, and the same code runs on top.
import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type SQL, sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import pg from "pg";
import * as schema from "./schema.ts";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Anything queries can run on: the database or an open transaction. */
export type Queryable = Db | Tx;

export interface Database {
  kind: "pglite" | "postgres";
  /** PGlite: how the database was made — from the build's seed, by initdb, or an existing folder. */
  origin?: "seed" | "initdb" | "existing";
  db: Db;
  /**
   * Calls fn with the payload of every NOTIFY on channel, from any process sharing the database.
   * Returns the unsubscribe function. After a lost listener connection, fn is called with "*" once it is
   * back, since notifications sent in between are gone.
   */
  listen(channel: string, fn: (payload: string) => void): Promise<() => void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** postgres://…; unset → PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite directory; unset → in memory (tests). */
  dataDir?: string | undefined;
  /** PGlite: where to look for the build's seed; false → never (initdb runs). Default: dist/db. */
  seedFolder?: string | false;
  /** Pool size on PostgreSQL. */
  poolSize?: number;
  onError?: (err: Error) => void;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openPglite(options);
}

async function openPglite(options: OpenOptions): Promise<Database> {
  const { openPgliteClient, migratedDrizzle } = await import("./pglite.ts");
  if (options.dataDir) mkdirSync(path.dirname(options.dataDir), { recursive: true });
  const { client, origin } = await openPgliteClient({
    dataDir: options.dataDir,
    migrationsFolder: MIGRATIONS_FOLDER,
    seedFolder: options.seedFolder,
  });
  const db = await migratedDrizzle(client, MIGRATIONS_FOLDER);
  return {
    kind: "pglite",
    origin,
    db: db as unknown as Db,
    async listen(channel, fn) {
      const unlisten = await client.listen(channel, fn);
      return () => void unlisten().catch(() => {});
    },
    async close() {
      await client.close();
    },
  };
}

// Advisory lock key held while migrating, so replicas starting together migrate one at a time.
const MIGRATION_LOCK = 727_001;

async function openPostgres(url: string, options: OpenOptions): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  pool.on("error", (err) => options.onError?.(err));
  const lockClient = await pool.connect();
  try {
    await lockClient.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    await migratePg(drizzlePg(lockClient, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await lockClient.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    lockClient.release();
  }
  const db = drizzlePg(pool, { schema });
  const listener = new PgListener(url, options.onError);
  return {
    kind: "postgres",
    db: db as unknown as Db,
    listen: (channel, fn) => listener.listen(channel, fn),
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

/** One dedicated connection per process carries every LISTEN; it reconnects with backoff if lost. */
class PgListener {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly events = new EventEmitter().setMaxListeners(0);
  private readonly channels = new Set<string>();
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly onError?: (err: Error) => void,
  ) {}

  async listen(channel: string, fn: (payload: string) => void): Promise<() => void> {
    this.events.on(channel, fn);
    if (!this.channels.has(channel)) {
      this.channels.add(channel);
      const client = await this.connect();
      await client.query(`LISTEN ${quoteIdent(channel)}`);
    } else {
      await this.connect();
    }
    return () => void this.events.off(channel, fn);
  }

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.openClient().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async openClient(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url });
    client.on("notification", (msg) => this.events.emit(msg.channel, msg.payload ?? ""));
    client.on("error", (err) => {
      this.onError?.(err);
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => {});
      this.reconnectLater(250);
    });
    await client.connect();
    for (const channel of this.channels) await client.query(`LISTEN ${quoteIdent(channel)}`);
    this.client = client;
    return client;
  }

  private reconnectLater(delayMs: number) {
    if (this.closed) return;
    setTimeout(() => {
      if (this.closed || this.client) return;
      this.connect().then(
        // Notifications sent while we were away are lost: tell every listener to look again.
        () => {
          for (const channel of this.channels) this.events.emit(channel, "*");
        },
        () => this.reconnectLater(Math.min(delayMs * 2, 5000)),
      );
    }, delayMs).unref();
  }

  async close() {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** NOTIFY inside the caller's transaction: delivered to listeners only if and when it commits. */
export async function notify(q: Queryable, channel: string, payload: string): Promise<void> {
  await q.execute(sql`SELECT pg_notify(${channel}, ${payload})`);
}

/** Runs raw SQL and returns its rows (both drivers answer with { rows }). */
export async function queryRows<T>(q: Queryable, query: SQL): Promise<T[]> {
  const result = (await q.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/**
 * Runs a hot-path statement whose text never changes as a named prepared statement: PostgreSQL parses
 * and plans it once per connection instead of on every call, and drizzle skips rebuilding it. PGlite
 * runs it as it runs any query. `name` must be unique to this statement's text.
 */
export async function executeNamed(q: Queryable, name: string, query: SQL): Promise<void> {
  // drizzle's execute() always prepares unnamed; its session takes a name (the API its query builders'
  // .prepare(name) uses).
  const { session, dialect } = q as unknown as {
    session: {
      prepareQuery(
        q: unknown,
        f: undefined,
        name: string,
        arrayMode: boolean,
      ): { execute(): Promise<unknown> };
    };
    dialect: { sqlToQuery(s: SQL): unknown };
  };
  await session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false).execute();
}
