import { z } from 'zod';
import { consoleFrame } from './console-frames';
import { linkAnswer, linkClosed, linkOpen } from './gateway-bus';
import { gatewayFrame, routerFrame } from './gateway-frames';
import {
  auditPage,
  cancelAnswer,
  capReceiptAnswer,
  channelStateView,
  directoryAnswer,
  directoryRolesAnswer,
  errorBody,
  eventFrame,
  healthAnswer,
  meAnswer,
  orderAreasAnswer,
  orderPreviewAnswer,
  orderProgressAnswer,
  orderAcceptedAnswer,
  orderDetail,
  orderSummary,
  outageView,
  relayMissionView,
  routerToConsoleFrame,
  simReplyAnswer,
  tokenCreatedAnswer,
  tokenView,
} from './http-answers';
import { ALERT_MEDIA_TYPES, auditQuery, createTokenBody, deliveryFilterQuery, directoryQuery, eventsQuery, orderPageQuery, ordersQuery, outageBody, simReplyBody } from './http-bodies';
import { createOrderBody, previewOrderBody, resendOrderBody } from './order';

/**
 * The HTTP API as OpenAPI 3.1 and the WebSocket frames as JSON Schemas, generated from the same zod
 * schemas the router parses and answers with. `npm run docs` writes them under docs/; a test
 * regenerates them and fails when the committed files, the served document or the router's routes
 * have drifted apart.
 */

type Role = 'console' | 'drill' | 'admin' | 'metrics' | 'public';

interface Route {
  method: 'get' | 'post' | 'delete';
  path: string;
  summary: string;
  /** Who may call it (admin may call every route but these public ones). */
  roles: Role[];
  query?: z.ZodObject;
  body?: z.ZodType;
  /** A body that is a document, not JSON: its media types. */
  documentBody?: { types: string[]; description: string };
  ok: { status: number; schema?: z.ZodType; description: string; contentType?: string };
  /** Error statuses besides 401/403 for authenticated routes. */
  errors?: number[];
}

const idParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });

export const ROUTES: Route[] = [
  { method: 'get', path: '/health', summary: 'Ready, and able to commit', roles: ['public'], ok: { status: 200, schema: healthAnswer, description: '{"status":"ok"} (in a cluster with "node" and "role": active or follower); 503 {"status":"error","reason"} while commits (a follower: reads of the event stream) fail, 503 {"status":"standby","node","active"} on a standby node without a bus' }, errors: [503] },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics (text format)', roles: ['metrics'], ok: { status: 200, description: 'Prometheus text exposition', contentType: 'text/plain' } },
  { method: 'get', path: '/api/openapi.json', summary: 'This document', roles: ['public'], ok: { status: 200, description: 'OpenAPI 3.1' } },
  { method: 'post', path: '/api/orders', summary: 'Send an order; answered after it and all its deliveries are committed', roles: ['console'], body: createOrderBody, ok: { status: 202, schema: orderAcceptedAnswer, description: 'Accepted (the same clientRef again answers the first order)' }, errors: [400, 429, 503] },
  {
    method: 'post', path: '/api/cap', summary: 'Receive a CAP 1.2 alert: each info (preferred language) and area becomes an order; Update and Cancel follow the alerts they reference', roles: ['console'],
    documentBody: { types: ALERT_MEDIA_TYPES, description: 'A CAP 1.2 <alert> (urn:oasis:names:tc:emergency:cap:1.2), at most 1 MB; no DOCTYPE' },
    ok: { status: 202, schema: capReceiptAnswer, description: 'The orders made, cancelled and skipped (the same sender and identifier again: the first answer, replayed)' }, errors: [400, 409, 413, 415, 503],
  },
  {
    method: 'post', path: '/api/gbt35965', summary: 'Receive a GB/T 35965.1 warning: made into orders as a CAP alert is', roles: ['console'],
    documentBody: { types: ['application/xml', 'text/xml'], description: 'A GB/T 35965.1 <alert> (no namespace), at most 1 MB; no DOCTYPE' },
    ok: { status: 202, schema: capReceiptAnswer, description: 'As for /api/cap' }, errors: [400, 409, 413, 415, 503],
  },
  { method: 'get', path: '/api/cap/feed', summary: "Open orders within the token's areas as an Atom feed, each entry linking to its CAP 1.2 document", roles: ['console'], ok: { status: 200, description: 'Atom 1.0 (RFC 4287)', contentType: 'application/atom+xml' } },
  { method: 'get', path: '/api/orders', summary: "Orders within the token's areas", roles: ['console'], query: ordersQuery, ok: { status: 200, schema: z.array(orderSummary), description: 'Newest first, up to 500' }, errors: [400] },
  { method: 'post', path: '/api/orders/preview', summary: 'Whom an order would reach (by area) and the text each channel would carry; checked as sending is, writes nothing', roles: ['console'], body: previewOrderBody, ok: { status: 200, schema: orderPreviewAnswer, description: 'The preview (reaching nobody is people 0, not an error)' }, errors: [400] },
  { method: 'get', path: '/api/orders/{id}', summary: 'An order, its counts by status, and a page of its deliveries with every attempt, filtered by status, channel, area or name', roles: ['console'], query: orderPageQuery, ok: { status: 200, schema: orderDetail, description: 'The order (`counts` are the whole order\'s); `next` is the `after` of the next page' }, errors: [400, 404] },
  { method: 'get', path: '/api/orders/{id}/areas', summary: "The order's deliveries counted by area and status", roles: ['console'], ok: { status: 200, schema: orderAreasAnswer, description: 'One entry per area holding a delivery' }, errors: [404] },
  { method: 'get', path: '/api/orders/{id}/progress', summary: 'The order over time: people reached, answered and final, from its receipts', roles: ['console'], ok: { status: 200, schema: orderProgressAnswer, description: 'At most 300 points, the first at creation' }, errors: [404] },
  { method: 'get', path: '/api/orders/{id}/csv', summary: "The order's deliveries as CSV (UTF-8 with a BOM), filtered as the order view is", roles: ['console'], query: deliveryFilterQuery, ok: { status: 200, description: 'personId,name,area,areaName,status,channel,matchedBy,attempts,lastAt,detail', contentType: 'text/csv' }, errors: [400, 404] },
  { method: 'get', path: '/api/orders/{id}/cap', summary: 'An order as a CAP 1.2 alert (a cancelled one as its Cancel; one made from an alert carries its info and area and references it)', roles: ['console'], ok: { status: 200, description: 'CAP 1.2 XML', contentType: 'application/cap+xml' }, errors: [404] },
  { method: 'get', path: '/api/orders/{id}/gbt35965', summary: 'An order as a GB/T 35965.1 warning from this router (a cancelled one as its Cancel)', roles: ['console'], ok: { status: 200, description: 'GB/T 35965.1 XML', contentType: 'application/xml' }, errors: [404] },
  { method: 'post', path: '/api/orders/{id}/resend', summary: "Send again to an order's people who have not answered (or were not reached): one new order, its people picked by the router, its texts and times the first order's unless given", roles: ['console'], body: resendOrderBody, ok: { status: 202, schema: orderAcceptedAnswer, description: 'Accepted (the same clientRef again answers the first resend)' }, errors: [400, 404, 429, 503] },
  { method: 'post', path: '/api/orders/{id}/cancel', summary: 'Cancel every open delivery of an order', roles: ['console'], ok: { status: 202, schema: cancelAnswer, description: 'Cancelled (committed)' }, errors: [404, 503] },
  { method: 'get', path: '/api/events', summary: 'The event stream, replayable from any seq', roles: ['console', 'drill'], query: eventsQuery, ok: { status: 200, schema: z.array(eventFrame), description: 'Event frames with seq above `since`' }, errors: [400] },
  { method: 'get', path: '/api/channels', summary: 'Channel states per area', roles: ['console', 'drill'], ok: { status: 200, schema: z.array(channelStateView), description: 'States of areas within the scope and above it' } },
  { method: 'get', path: '/api/directory', summary: 'Areas and people within the scope', roles: ['console', 'drill'], query: directoryQuery, ok: { status: 200, schema: directoryAnswer, description: 'A page of people (those whose name or id contains `q`); drill tokens get no terminals' }, errors: [400] },
  { method: 'get', path: '/api/directory/roles', summary: 'The roles of the people within the scope', roles: ['console', 'drill'], ok: { status: 200, schema: directoryRolesAnswer, description: 'Each role with how many people within the scope have it, by name' } },
  { method: 'get', path: '/api/me', summary: "The token's name, role and areas", roles: ['console', 'drill'], ok: { status: 200, schema: meAnswer, description: 'areas: null for every area' } },
  { method: 'post', path: '/api/tokens', summary: 'Make a token (shown once, kept hashed)', roles: ['admin'], body: createTokenBody, ok: { status: 201, schema: tokenCreatedAnswer, description: 'The new token' }, errors: [400, 503] },
  { method: 'get', path: '/api/tokens', summary: 'Tokens, without secrets', roles: ['admin'], ok: { status: 200, schema: z.array(tokenView), description: 'Config, environment and API tokens' } },
  { method: 'delete', path: '/api/tokens/{id}', summary: 'Revoke a token at once, on open sockets too', roles: ['admin'], ok: { status: 204, description: 'Revoked' }, errors: [404, 409, 503] },
  { method: 'get', path: '/api/audit', summary: 'The audit trail: who did what, when', roles: ['admin'], query: auditQuery, ok: { status: 200, schema: auditPage, description: 'Newest first unless order=asc; `next` is the `after` of the next page' }, errors: [400] },
  { method: 'post', path: '/api/drills/outages', summary: 'Inject an outage (三断 or a gateway fault)', roles: ['drill'], body: outageBody, ok: { status: 201, schema: outageView, description: 'The outage' }, errors: [400, 503] },
  { method: 'get', path: '/api/drills/outages', summary: 'Outages, with whether each is active', roles: ['drill', 'console'], ok: { status: 200, schema: z.array(outageView), description: 'Outages within the scope' } },
  { method: 'delete', path: '/api/drills/outages/{id}', summary: 'End an outage now', roles: ['drill'], ok: { status: 200, schema: outageView, description: 'The outage, ended' }, errors: [404, 503] },
  { method: 'get', path: '/api/drills/relays', summary: 'Relay missions under way', roles: ['drill', 'console'], ok: { status: 200, schema: z.array(relayMissionView), description: 'Missions within the scope' } },
  { method: 'post', path: '/api/sim/people/{id}/reply', summary: "Make a simulated person answer an order over whatever simulated channel reaches them", roles: ['drill'], body: simReplyBody, ok: { status: 202, schema: simReplyAnswer, description: 'Sent by the simulated terminal' }, errors: [400, 404, 409, 503] },
];

const schema = (s: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

function queryParameters(q: z.ZodObject) {
  const json = schema(q, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: (json.required ?? []).includes(name) && !('default' in s), schema: s }));
}

function pathParameters(path: string) {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => idParam(m[1], m[1] === 'id' ? 'the id' : m[1]));
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input: every field at fault is named in `issues`',
  401: 'No valid token (Authorization: Bearer <token>)',
  403: "The token's role or areas do not allow it",
  404: 'Not found, or outside the token\'s areas (answered alike)',
  409: 'Conflict',
  413: 'The body is too large',
  415: 'The body is not of a media type this route reads',
  429: 'Too many failed authentications from this address: see Retry-After',
  503: 'Cannot commit',
};

/** 503 on the routes a follower of a cluster passes on or refuses (`not_active`, with Retry-After). */
const NOT_ACTIVE = 'not_active: no active node answered in time, or a follower does not do this; nothing is known to be done: send it again (orders with the same clientRef)';

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const errors = [...new Set([...(r.errors ?? []), ...(r.roles.includes('public') ? [] : [401, 403, 429])])].sort();
    const responses: Record<string, unknown> = {
      [r.ok.status]: {
        description: r.ok.description,
        ...(r.ok.schema ? { content: { [r.ok.contentType ?? 'application/json']: { schema: schema(r.ok.schema, 'output') } } } : {}),
      },
    };
    for (const status of errors)
      responses[status] =
        status === 503 && r.path === '/health'
          ? { description: ERROR_TEXT[503], content: { 'application/json': { schema: schema(healthAnswer, 'output') } } }
          : { description: status === 503 ? NOT_ACTIVE : ERROR_TEXT[status], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    paths[r.path] ??= {};
    paths[r.path][r.method] = {
      summary: r.summary,
      'x-roles': r.roles,
      ...(r.roles.includes('public') ? { security: [] } : {}),
      parameters: [...pathParameters(r.path), ...(r.query ? queryParameters(r.query) : [])],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(r.body, 'input') } } } } : {}),
      ...(r.documentBody
        ? { requestBody: { required: true, description: r.documentBody.description, content: Object.fromEntries(r.documentBody.types.map((t) => [t, { schema: { type: 'string' } }])) } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lifeline emergency communication router',
      version,
      description:
        'Orders to people over every channel that reaches them, with receipts and 叫应 (answers). WebSocket endpoints (not described by OpenAPI): GET /ws for consoles and GET /gateway for gateways; their frames are JSON Schemas in docs/schemas/. See docs/CONTRACT.md.',
    },
    servers: [{ url: 'http://127.0.0.1:3000' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token; its role and areas decide what it may do (x-roles).' } },
      schemas: { Error: schema(errorBody, 'output') },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

/** JSON Schemas of the frames on both WebSocket endpoints, one document each way. */
export function frameSchemas(): Record<string, Record<string, unknown>> {
  const doc = (title: string, description: string, s: z.ZodType, io: 'input' | 'output') => ({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title,
    description,
    ...schema(s, io),
  });
  return {
    'console-to-router.json': doc('Console to router (GET /ws)', 'Frames a dispatch console sends: one JSON object per text frame.', consoleFrame, 'input'),
    'router-to-console.json': doc('Router to console (GET /ws)', 'Event frames (with seq), and the answers to a console\'s own frames.', routerToConsoleFrame, 'output'),
    'gateway-to-router.json': doc('Gateway to router (GET /gateway)', 'Frames a gateway sends: hello first, then receipts, replies, health and coverage.', gatewayFrame, 'input'),
    'router-to-gateway.json': doc('Router to gateway (GET /gateway)', 'Sends, and errors about frames the gateway sent (the link stays open).', routerFrame, 'output'),
    'gateway-link-open.json': doc('Opening a gateway link over NATS (request on lifeline.gateway.open)', 'The gateway token, and the link id the gateway chose; frames then go as on the WebSocket.', linkOpen, 'input'),
    'gateway-link-answer.json': doc('The router\'s answer on a gateway link over NATS', 'To an open, a frame (lifeline.gateway.<link>.from) or a beat (.alive): taken, or why not (unknown_link: open a new link).', linkAnswer, 'output'),
    'gateway-link-closed.json': doc('The router ends a gateway link over NATS (lifeline.gateway.<link>.closed)', 'Why the link ended; open a new one.', linkClosed, 'output'),
  };
}
