import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { EVENTS_CHANNEL } from '../app/notify';
import type { Deps } from '../app/ports';
import { LiveEvent } from '../contracts/live';
import { principalOf } from './auth';

type Client = { organizationId: string; res: ServerResponse };

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events for the office. Every process LISTENs on one PostgreSQL channel, so a change made
 * through any process reaches the office users connected to any other; each client gets only its
 * organization's events.
 */
export const registerEvents = async (root: FastifyInstance, deps: Deps) => {
  const clients = new Set<Client>();
  let seq = 0;
  const unlisten = await deps.database.listen(EVENTS_CHANNEL, (payload) => {
    let parsed: z.infer<typeof LiveEvent>;
    try {
      parsed = LiveEvent.parse(JSON.parse(payload));
    } catch (err) {
      root.log.warn({ err }, 'ignored a malformed live event');
      return;
    }
    const { organizationId, ...event } = parsed;
    const frame = `id: ${++seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    for (const c of clients) if (c.organizationId === organizationId) c.res.write(frame);
  });
  const heartbeat = setInterval(() => {
    for (const c of clients) c.res.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();
  // Streams never end by themselves: close them before the server waits for its connections to drain.
  root.addHook('preClose', async () => {
    clearInterval(heartbeat);
    for (const c of clients) c.res.end();
    clients.clear();
  });
  root.addHook('onClose', async () => {
    await unlisten();
  });

  root.get(
    '/events',
    {
      config: { access: 'events.read' },
      schema: {
        tags: ['live'],
        summary:
          'Server-Sent Events: job.changed, job.comment, invoice.changed and quote.changed for the caller’s organization, live across processes',
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      res.write('retry: 3000\n: connected\n\n');
      const client: Client = { organizationId: principal.organizationId, res };
      clients.add(client);
      request.raw.on('close', () => clients.delete(client));
    },
  );
};
