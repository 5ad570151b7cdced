import type { FastifyRequest } from 'fastify';

/**
 * The caller's address. Behind the gateway every request comes from the gateway, which
 * appends the client's address to X-Forwarded-For; the last entry is the one it added.
 */
export function clientIp(request: FastifyRequest): string {
  const forwarded = request.headers['x-forwarded-for'];
  const list = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',');
  const last = list[list.length - 1]?.trim();
  return last && /^[0-9a-fA-F:.]{2,45}$/.test(last) ? last : request.ip;
}
