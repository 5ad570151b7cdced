import { ACCESS_TOKEN_COOKIE, REFRESH_TOKEN_COOKIE } from '@app/auth';
import type { Session } from './auth.service';

/** Only the refresh endpoints ever need the refresh token, so the browser sends it nowhere else. */
export const REFRESH_COOKIE_PATH = '/auth';

function cookie(
  name: string,
  value: string,
  maxAge: number,
  path: string,
  sameSite: string,
  secure: boolean,
) {
  const parts = [
    `${name}=${value}`,
    `Max-Age=${maxAge}`,
    `Path=${path}`,
    'HttpOnly',
    `SameSite=${sameSite}`,
  ];
  if (maxAge === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** Set-Cookie values of a new session (flags fixed by DESIGN.md). */
export function sessionCookies(session: Session, secure: boolean): string[] {
  return [
    cookie(ACCESS_TOKEN_COOKIE, session.access.token, session.access.expiresIn, '/', 'Lax', secure),
    cookie(
      REFRESH_TOKEN_COOKIE,
      session.refresh.token,
      session.refresh.expiresIn,
      REFRESH_COOKIE_PATH,
      'Strict',
      secure,
    ),
  ];
}

/** Set-Cookie values that make the browser forget both tokens. */
export function clearedCookies(secure: boolean): string[] {
  return [
    cookie(ACCESS_TOKEN_COOKIE, '', 0, '/', 'Lax', secure),
    cookie(REFRESH_TOKEN_COOKIE, '', 0, REFRESH_COOKIE_PATH, 'Strict', secure),
  ];
}
