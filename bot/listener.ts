// The HTTP port. `countersign serve` binds it first thing, before the database opens or recovery runs, so
// a port that is taken stops start-up at once; requests that arrive while the rest starts get 503
// "starting" instead of a half-started server. Once the app is ready it takes over every request.
import http from "node:http";
import type { FastifyServerFactory } from "fastify";

export class ListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ListenError";
  }
}

export class HttpListener {
  readonly server: http.Server;
  private appHandler: http.RequestListener | undefined;
  private handler: http.RequestListener | undefined;
  private address: string | undefined;

  constructor() {
    // Fastify's defaults, which it does not set on a server it is given: long-polls hold requests up to
    // a minute, and idle keep-alive connections outlive a load balancer's.
    this.server = http.createServer({ requestTimeout: 120_000, keepAliveTimeout: 72_000 });
    this.server.on("request", (req, res) => (this.handler ? this.handler(req, res) : starting(req, res)));
  }

  /** For Fastify's serverFactory: the app's handler, which gets requests once ready() is called. */
  readonly factory: FastifyServerFactory = (handler) => {
    this.appHandler = handler;
    return this.server;
  };

  get url(): string | undefined {
    return this.address;
  }

  /** Binds host:port; resolves to the base URL, or rejects with a ListenError that says what is wrong. */
  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => reject(new ListenError(describe(err, host, port)));
      this.server.once("error", onError);
      this.server.listen({ host, port }, () => {
        this.server.removeListener("error", onError);
        resolve();
      });
    });
    const bound = this.server.address() as { address: string; port: number; family: string };
    const shown = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
    this.address = `http://${shown}:${bound.port}`;
    return this.address;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** From now on the app answers every request. */
  ready(): void {
    if (!this.appHandler) throw new Error("no app handler: pass listener.factory to Fastify first");
    this.handler = this.appHandler;
  }

  /** Stops accepting connections and ends the open ones (long-polls included). */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

function describe(err: NodeJS.ErrnoException, host: string, port: number): string {
  switch (err.code) {
    case "EADDRINUSE":
      return `port ${port} is in use (on ${host}): stop what is using it, or set PORT`;
    case "EACCES":
      return `not allowed to listen on port ${port} (ports below 1024 need privileges): set PORT`;
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return `cannot listen on ${host}: no such address on this machine (HOST)`;
    default:
      return `cannot listen on ${host}:${port}: ${err.message}`;
  }
}

function starting(req: http.IncomingMessage, res: http.ServerResponse): void {
  const body = req.url?.startsWith("/healthz")
    ? { status: "starting" }
    : { error: { code: "starting", message: "Countersign is starting; try again in a moment" } };
  res.writeHead(503, { "content-type": "application/json", "retry-after": "1", connection: "close" });
  res.end(JSON.stringify(body));
}
