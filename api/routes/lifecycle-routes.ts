// The routes of a lifecycle resource (deposits, withdrawals, KYC, bank accounts), declared as data.
// Each declaration registers its OpenAPI path at once (at import time, like every router file) and
// is mounted by `router(deps)` as a thin handler around its service function: read the path
// parameter, query or body, call the service with the caller and the request id, answer JSON. The
// service does every check (role, visibility, state), so the pages, which call the same functions,
// get the same answers. Routes are mounted, and documented, in the order they are declared.
//
//   const routes = new LifecycleRoutes({ tags: ['deposits'], schema: DepositSchema, params: idParams })
//     .read('/deposits/:id', { summary: '…', responds: 'The deposit', errors: [401, 404], run: getDeposit })
//     .action('post', '/deposits/:id/cancel', { summary: '…', responds: '…', errors, run: cancelDeposit });
//   export function depositsRouter(deps: AppDeps): Router {
//     return routes.router(deps);
//   }
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { asyncHandler } from '../errors.js';
import { idempotent } from '../idempotency.js';
import { streamLifecycle } from '../live-updates.js';
import { currentUser, requireAuth, requireRole } from '../middleware/auth.js';
import {
  bearerAuth,
  errorResponses,
  idempotencyKeyHeader,
  jsonBody,
  jsonResponse,
  registry,
} from '../openapi.js';
import type { SessionUser } from '../services/common.js';
import type { Role } from '../../domain/roles.js';
import { listResponseSchema } from '../validate.js';

/** `request.headers` of every action: the request id is its Update id (lifecycle-kit/workflow-calls.ts updateIdFor). */
export const requestIdHeader = z.object({
  'X-Request-Id': z
    .string()
    .max(128)
    .optional()
    .meta({ description: 'Retrying with the same value does not apply the action twice' }),
});

type Method = 'get' | 'post' | 'delete';
type Query = Record<string, string>;
type Params = NonNullable<RouteConfig['request']>['params'];
type QuerySchema = NonNullable<RouteConfig['request']>['query'];

/** What every declaration documents. */
interface Documented {
  summary: string;
  description?: string;
  /** The 200 / 201 answer's description. */
  responds: string;
  /** The error statuses the route can answer (openapi.ts errorResponses). */
  errors: number[];
}

/** The OpenAPI operation of a route, less what the resource decides (method, path, tags, security). */
export type RouteDoc = Pick<RouteConfig, 'summary' | 'description' | 'request' | 'responses'>;

/** `/ops/deposits/:id/confirm` → `/ops/deposits/{id}/confirm`. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** The first path parameter of `path` (`id` of `/deposits/:id`), if it has one. */
function paramName(path: string): string | undefined {
  return /:(\w+)/.exec(path)?.[1];
}

/** Reads the first path parameter of `path` from a request, as text ('' when there is none). */
function paramReader(path: string): (req: Request) => string {
  const name = paramName(path);
  return (req) => (name === undefined ? '' : String(req.params[name] ?? ''));
}

/**
 * What a GET of one hands its service: the query when the route documents one (GET /kyc?clientId=),
 * otherwise the path parameter (GET /deposits/:id).
 */
function keyReader<K>(path: string, query: QuerySchema | undefined): (req: Request) => K {
  const param = paramReader(path);
  return (req) => (query ? (req.query as Query) : param(req)) as K;
}

/** `request` of a GET of one: its query, or its path parameters. */
function keyRequest(query: QuerySchema | undefined, params: Params): RouteDoc['request'] {
  return query ? { query } : { params };
}

/** A service function answering one action: with a JSON body, or without one. */
type ActionService =
  | {
      body: z.ZodType;
      run: (deps: AppDeps, user: SessionUser, id: string, body: never, requestId: string) => Promise<unknown>;
    }
  | {
      body?: undefined;
      run: (deps: AppDeps, user: SessionUser, id: string, requestId: string) => Promise<unknown>;
    };

export class LifecycleRoutes {
  readonly #mounted: { method: Method; path: string; handlers: (deps: AppDeps) => RequestHandler[] }[] = [];

  /**
   * `schema`: the resource as answered (e.g. DepositSchema); `params`: the path parameters of its
   * routes in the OpenAPI document (a route may name others).
   */
  constructor(private readonly resource: { tags: string[]; schema: z.ZodType; params: Params }) {}

  /** Any route: its OpenAPI operation and, given the deps, its handlers. */
  route(method: Method, path: string, doc: RouteDoc, handlers: (deps: AppDeps) => RequestHandler[]): this {
    registry.registerPath({
      method,
      path: openApiPath(path),
      tags: this.resource.tags,
      summary: doc.summary,
      description: doc.description,
      security: bearerAuth,
      request: doc.request,
      responses: doc.responses,
    });
    this.#mounted.push({ method, path, handlers });
    return this;
  }

  /** POST creating one (clients unless `roles` says who, behind an Idempotency-Key): 201 with the new resource. */
  create(
    path: string,
    spec: Documented & {
      body: z.ZodType;
      /** Who may create one; default clients (their own lifecycles). */
      roles?: readonly Role[];
      run: (deps: AppDeps, user: SessionUser, body: never, idempotencyKey: string) => Promise<unknown>;
    },
  ): this {
    const doc: RouteDoc = {
      ...this.#about(spec),
      request: { headers: idempotencyKeyHeader, body: jsonBody(spec.body) },
      responses: {
        201: jsonResponse(spec.responds, this.resource.schema),
        ...errorResponses(...spec.errors),
      },
    };
    return this.route('post', path, doc, (deps) => [
      requireRole(...(spec.roles ?? ['client'])),
      idempotent(),
      asyncHandler(async (req, res) => {
        const view = await spec.run(deps, currentUser(req), (req.body ?? {}) as never, req.idempotencyKey!);
        res.status(201).json(view);
      }),
    ]);
  }

  /** GET of a page, filtered by the query: `{ items, nextCursor }` of `item` (default: the resource). */
  list(
    path: string,
    spec: Documented & {
      query: QuerySchema;
      item?: z.ZodType;
      run: (deps: AppDeps, user: SessionUser, query: Query) => Promise<unknown>;
    },
  ): this {
    const doc: RouteDoc = {
      ...this.#about(spec),
      request: { query: spec.query },
      responses: {
        200: jsonResponse(spec.responds, listResponseSchema(spec.item ?? this.resource.schema)),
        ...errorResponses(...spec.errors),
      },
    };
    return this.route('get', path, doc, (deps) => [
      requireAuth,
      asyncHandler(async (req, res) => {
        res.json(await spec.run(deps, currentUser(req), req.query as Query));
      }),
    ]);
  }

  /** GET of one, by the path parameter or the query (see keyReader): `schema` (default: the resource). */
  read<K = string>(
    path: string,
    spec: Documented & {
      schema?: z.ZodType;
      params?: Params;
      query?: QuerySchema;
      run: (deps: AppDeps, user: SessionUser, key: K) => Promise<unknown>;
    },
  ): this {
    const doc: RouteDoc = {
      ...this.#about(spec),
      request: keyRequest(spec.query, spec.params ?? this.resource.params),
      responses: {
        200: jsonResponse(spec.responds, spec.schema ?? this.resource.schema),
        ...errorResponses(...spec.errors),
      },
    };
    const keyOf = keyReader<K>(path, spec.query);
    return this.route('get', path, doc, (deps) => [
      requireAuth,
      asyncHandler(async (req, res) => {
        res.json(await spec.run(deps, currentUser(req), keyOf(req)));
      }),
    ]);
  }

  /**
   * Live updates of one (Server-Sent Events, api/live-updates.ts): `read` at once, then after every
   * transition of the workflow `workflowIdOf` names, which also decides who may listen. Both get the
   * path parameter or the query, as for `read`.
   */
  events<K = string>(
    path: string,
    spec: Documented & {
      query?: QuerySchema;
      workflowIdOf: (deps: AppDeps, user: SessionUser, key: K) => Promise<string>;
      read: (deps: AppDeps, user: SessionUser, key: K) => Promise<unknown>;
    },
  ): this {
    const doc: RouteDoc = {
      ...this.#about(spec),
      request: keyRequest(spec.query, this.resource.params),
      responses: {
        200: { description: spec.responds, content: { 'text/event-stream': { schema: z.string() } } },
        ...errorResponses(...spec.errors),
      },
    };
    const keyOf = keyReader<K>(path, spec.query);
    return this.route('get', path, doc, (deps) => [
      requireAuth,
      asyncHandler(async (req, res) => {
        const user = currentUser(req);
        const key = keyOf(req);
        const workflowId = await spec.workflowIdOf(deps, user, key);
        await streamLifecycle(req, res, workflowId, () => spec.read(deps, user, key));
      }),
    ]);
  }

  /**
   * A human action (an Update of the workflow): the service gets the path parameter, the JSON body
   * when the action has one, and the request id (X-Request-Id, or a generated one) as the Update id.
   * Answers 200 with `schema` (default: the resource).
   */
  action(
    method: Exclude<Method, 'get'>,
    path: string,
    spec: Documented & { schema?: z.ZodType; params?: Params } & ActionService,
  ): this {
    const params = paramName(path) === undefined ? undefined : (spec.params ?? this.resource.params);
    const doc: RouteDoc = {
      ...this.#about(spec),
      request: {
        ...(params ? { params } : {}),
        headers: requestIdHeader,
        ...(spec.body ? { body: jsonBody(spec.body) } : {}),
      },
      responses: {
        200: jsonResponse(spec.responds, spec.schema ?? this.resource.schema),
        ...errorResponses(...spec.errors),
      },
    };
    const idOf = paramReader(path);
    return this.route(method, path, doc, (deps) => [
      requireAuth,
      asyncHandler(async (req, res) => {
        const user = currentUser(req);
        res.json(
          spec.body !== undefined
            ? await spec.run(deps, user, idOf(req), (req.body ?? {}) as never, req.id)
            : await spec.run(deps, user, idOf(req), req.id),
        );
      }),
    ]);
  }

  /** Every declared route, mounted in order. */
  router(deps: AppDeps): Router {
    const router = Router();
    for (const { method, path, handlers } of this.#mounted) router[method](path, ...handlers(deps));
    return router;
  }

  #about(spec: Documented): Pick<RouteDoc, 'summary' | 'description'> {
    return { summary: spec.summary, description: spec.description };
  }
}
