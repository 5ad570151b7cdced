import type { AuthenticatedUser } from '@app/contracts';
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by JwtAuthGuard once the access token is verified. */
    user?: AuthenticatedUser;
  }
}

/** Cookie names are part of the public contract (DESIGN.md "Users and tokens"). */
export const ACCESS_TOKEN_COOKIE = 'access_token';
export const REFRESH_TOKEN_COOKIE = 'refresh_token';
/** The only signing algorithm issuers use and verifiers accept. */
export const ACCESS_TOKEN_ALG = 'ES256';

export type TokenSource = 'bearer' | 'cookie';

export interface PresentedToken {
  token: string;
  source: TokenSource;
}

/** Reads one cookie from a Cookie header without decoding anything else. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      return value ? decodeURIComponent(value) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The access token of a request: `Authorization: Bearer` first, else the access_token cookie. */
export function presentedToken(request: FastifyRequest): PresentedToken | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return { token: bearer, source: 'bearer' };
  const token = readCookie(request.headers.cookie, ACCESS_TOKEN_COOKIE);
  return token ? { token, source: 'cookie' } : undefined;
}
