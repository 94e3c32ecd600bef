// Every route the server registers, as Fastify hands it to the onRoute hook: the source of truth for the
// OpenAPI document (routes declared with apiRoute carry their declaration in `config.api`) and for the
// test that no /v1 route goes undeclared.
import type { FastifyInstance } from "fastify";
import type { ApiRouteDeclaration } from "./api-route.ts";

export interface RegisteredRoute {
  method: string;
  url: string;
  /** Present when the route was declared with apiRoute(). */
  api: ApiRouteDeclaration | undefined;
}

const tables = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Starts recording routes; call before any route is added. Plugins registered later are recorded too. */
export function trackRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const api = (route.config as { api?: ApiRouteDeclaration } | undefined)?.api;
    for (const method of methods) {
      // Fastify adds HEAD beside every GET on its own.
      if (method === "HEAD") continue;
      routes.push({ method, url: route.url, api });
    }
  });
  tables.set(app, routes);
  return routes;
}

/** The routes recorded on a server built by buildServer. */
export function routeTable(app: FastifyInstance): readonly RegisteredRoute[] {
  const routes = tables.get(app);
  if (!routes) throw new Error("this server was not built with trackRoutes");
  return routes;
}
