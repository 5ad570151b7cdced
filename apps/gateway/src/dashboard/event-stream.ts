import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DashboardSnapshotDto } from './dashboard.dto';
import type { DashboardStream } from './dashboard.service';

/** How long a browser waits before reconnecting after the stream ends (a drain, say). */
const RECONNECT_MS = 2000;

/**
 * Turns a Fastify reply into a Server-Sent Events stream. The reply is hijacked, so the
 * headers set so far (X-Request-Id) are copied onto the raw response by hand.
 */
export function openEventStream(request: FastifyRequest, reply: FastifyReply): DashboardStream {
  reply.hijack();
  const raw = reply.raw;
  const headers = Object.entries(reply.getHeaders()).filter(
    (entry): entry is [string, string | number | string[]] => entry[1] !== undefined,
  );
  raw.writeHead(200, {
    ...Object.fromEntries(headers),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    // The stream ends only on a drain or a logout; its socket is not reused after it.
    connection: 'close',
    // Proxies such as nginx would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  raw.write(`retry: ${RECONNECT_MS}\n\n`);
  let open = true;
  request.raw.once('close', () => {
    open = false;
  });
  return {
    send(snapshot: DashboardSnapshotDto) {
      if (open) raw.write(`data: ${JSON.stringify(snapshot)}\n\n`);
    },
    end() {
      if (!open) return;
      open = false;
      raw.end();
    },
    onClose(listener: () => void) {
      if (open) request.raw.once('close', listener);
      else listener();
    },
  };
}
