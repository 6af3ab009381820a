import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { auditQuery, CONTRACT_VERSION, createTokenBody, directoryQuery, eventsQuery, openApiDocument } from '@lifeline/contracts';
import { BoundedMap } from '@lifeline/domain';
import { Lifeline } from '../lifeline';
import { scopePaths, type NodeCore, type Principal } from '@lifeline/engine';
import { authorize, Roles, type AuthedRequest } from '../auth/auth.guard';
import { areasVisibleTo, eventVisibleTo, tokenWithin, visibleTo } from '../auth/scope';
import { ApiError } from './errors';
import { parse } from './parse';

@Controller()
export class ApiController {
  /** Roles of the directory by scope: counted once per scope (a few hundred tokens at most). */
  private readonly roles = new BoundedMap<string, Promise<{ role: string; people: number }[]>>(1_000);

  constructor(private readonly lifeline: Lifeline<NodeCore>) {}

  /**
   * Ready, and able to commit (a follower: to read the stream): a failure turns it to 503 with the
   * reason until it passes. A node of a cluster says its name and whether it writes.
   */
  @Get('health')
  health(@Res({ passthrough: true }) res: Response) {
    const failure = this.lifeline.failure;
    const node = this.lifeline.node ? { node: this.lifeline.node, role: this.lifeline.active ? 'active' : 'follower' } : {};
    if (!failure) return { status: 'ok', ...node };
    res.status(503);
    return { status: 'error', reason: failure, ...node };
  }

  /** The HTTP API as OpenAPI 3.1, generated from the schemas the router parses and answers with (also docs/openapi.json). */
  @Get('api/openapi.json')
  openapi() {
    return (this.document ??= openApiDocument(CONTRACT_VERSION));
  }

  private document: Record<string, unknown> | undefined;

  /**
   * Behind a `metrics` (or admin) token unless the config says otherwise; see also `metrics.listen`.
   * Not an admin token given areas: the metrics are the whole city's (channel states of every area).
   */
  @Get('metrics')
  async prometheus(@Req() req: Request, @Res() res: Response) {
    if (this.lifeline.config.metrics.requireToken) {
      const p = await authorize(this.lifeline, req, ['metrics']);
      if (p.areas !== null) throw new ApiError(403, 'forbidden', 'the metrics are the whole city\'s: a token given areas may not read them');
    }
    res.type(this.lifeline.metrics.contentType).send(await this.lifeline.metrics.render());
  }

  @Get('api/events')
  @Roles('console', 'drill')
  async events(@Req() req: AuthedRequest, @Query() query: unknown) {
    const q = parse(eventsQuery, query, 'query');
    const tree = this.lifeline.core.areas;
    return (await this.lifeline.store.read.events.since(q.since, q.limit))
      .filter((e) => eventVisibleTo(req.principal, tree, e.type, e.areaPath))
      .map((e) => ({ ...e.payload, seq: e.seq }));
  }

  @Get('api/channels')
  @Roles('console', 'drill')
  channels(@Req() req: AuthedRequest) {
    const tree = this.lifeline.core.areas;
    return this.lifeline.core
      .channelStates()
      .filter((c) => visibleTo(req.principal, tree, tree.path(c.area), true))
      .map((c) => ({ channel: c.channel, area: c.area, state: c.state, since: new Date(c.since).toISOString() }));
  }

  /**
   * Areas within the token's scope (and those above, for context), and the people within it. A
   * drill officer gets people without their terminals: drills name people, not numbers.
   */
  @Get('api/directory')
  @Roles('console', 'drill')
  async directory(@Req() req: AuthedRequest, @Query() query: unknown) {
    // Pages of people (a thousand by default): the demo's 500 fit in the first.
    const q = parse(directoryQuery, query, 'query');
    const { store, core } = this.lifeline;
    const p = req.principal;
    const page = await store.read.directory.people(q.limit, q.after, scopePaths(p, core.areas), q.q);
    const people = page.map((x) => (p.role === 'drill' ? { id: x.id, name: x.name, area: x.area, roles: x.roles } : x));
    return { areas: areasVisibleTo(p, core.areas, await store.read.directory.areas()), people, next: page.length === q.limit ? page[page.length - 1].id : null };
  }

  /**
   * Every role of the people within the token's scope, with how many have it (a composer's role
   * list, whatever the size of the directory). The directory does not change while the router
   * runs, so each scope is counted once.
   */
  @Get('api/directory/roles')
  @Roles('console', 'drill')
  async directoryRoles(@Req() req: AuthedRequest) {
    const paths = scopePaths(req.principal, this.lifeline.core.areas);
    const key = paths === null ? '*' : paths.join('\u0000');
    let roles = this.roles.get(key);
    if (!roles) {
      roles = this.lifeline.store.read.directory.roles(paths);
      this.roles.set(key, roles);
      roles.catch(() => this.roles.delete(key)); // a failed read is tried again next time
    }
    return { roles: await roles };
  }

  /** Who the token is: its name, role and areas (a console shows them after sign-in). */
  @Get('api/me')
  @Roles('console', 'drill')
  me(@Req() req: AuthedRequest) {
    const p = req.principal;
    const tree = this.lifeline.core.areas;
    return { tokenId: p.id, name: p.name ?? p.id, role: p.role, areas: p.areas === null ? null : p.areas.map((code) => ({ code, name: tree.get(code)?.name ?? code })) };
  }

  @Post('api/tokens')
  @Roles()
  @HttpCode(201)
  async createToken(@Req() req: AuthedRequest, @Body() body: unknown) {
    const b = parse(createTokenBody, body, 'token');
    const tree = this.lifeline.core.areas;
    const unknown = (b.areas ?? []).filter((a) => !tree.has(a));
    if (unknown.length) throw new ApiError(400, 'unknown_area', `unknown areas: ${unknown.join(', ')}`);
    if (b.channel && !this.lifeline.config.channels.some((c) => c.id === b.channel))
      throw new ApiError(400, 'unknown_channel', `unknown channel ${b.channel}`);
    // An admin token given areas hands out no more than them: a county's admin makes county tokens.
    const mine = req.principal.areas;
    if (!tokenWithin(req.principal, tree, b.areas ?? null))
      throw new ApiError(403, 'out_of_scope', `this token may only make tokens within its own areas (${(mine ?? []).join(', ')}): give areas within them`, [{ path: 'token.areas', message: 'expected areas within the creating token\'s own', code: 'out_of_scope' }]);
    return this.lifeline.auth.create(b, req.principal);
  }

  /** The tokens the admin may see: all of them, or those within a scoped admin's areas. */
  @Get('api/tokens')
  @Roles()
  async tokens(@Req() req: AuthedRequest) {
    return this.tokensOf(req.principal);
  }

  @Delete('api/tokens/:id')
  @Roles()
  @HttpCode(204)
  async revoke(@Req() req: AuthedRequest, @Param('id') id: string) {
    // A token outside a scoped admin's areas is answered as one that does not exist.
    if (req.principal.areas !== null && !(await this.tokensOf(req.principal)).some((t) => t.id === id)) throw new ApiError(404, 'not_found', `no active token ${id}`);
    const r = await this.lifeline.auth.revoke(id, req.principal);
    if (r === 'not_found') throw new ApiError(404, 'not_found', `no active token ${id}`);
    if (r === 'config') throw new ApiError(409, 'config_token', `token ${id} is defined in the tokens file: remove it there`);
  }

  /** The audit trail (admin): who did what, when; newest first, paged by `after`. */
  @Get('api/audit')
  @Roles()
  async audit(@Req() req: AuthedRequest, @Query() query: unknown) {
    const q = parse(auditQuery, query, 'query');
    // A scoped admin reads what its tokens did and what was done to them: entries whose actor or
    // subject is a token within its areas (not the city's, nor the system's).
    const involving = req.principal.areas === null ? undefined : (await this.tokensOf(req.principal)).map((t) => t.id);
    const entries = await this.lifeline.store.read.audit.page({
      involving,
      after: q.after,
      limit: q.limit,
      order: q.order,
      action: q.action,
      actorId: q.actor,
      subject: q.subject,
      from: q.from === undefined ? undefined : Date.parse(q.from),
      to: q.to === undefined ? undefined : Date.parse(q.to),
    });
    return {
      entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
      next: entries.length === q.limit ? entries[entries.length - 1].id : null,
    };
  }

  private async tokensOf(p: Principal) {
    const tree = this.lifeline.core.areas;
    return (await this.lifeline.auth.list()).filter((t) => tokenWithin(p, tree, t.areas));
  }
}
