import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The dashboard's one HTML file (inline CSS and JS, no build step), read once at startup
 * from beside this file (the build copies it to dist), with a CSP that allows exactly its
 * inline script by hash and nothing from other origins.
 */
export class DashboardPage {
  readonly html: string;
  readonly contentSecurityPolicy: string;

  constructor(file = join(__dirname, 'dashboard.html')) {
    this.html = readFileSync(file, 'utf8');
    const scripts = [...this.html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
      ([, body]) => `'sha256-${createHash('sha256').update(body).digest('base64')}'`,
    );
    this.contentSecurityPolicy = [
      "default-src 'none'",
      `script-src ${scripts.join(' ')}`,
      // Inline style attributes (bar widths, legend swatches) need this; no remote styles.
      "style-src 'unsafe-inline'",
      "connect-src 'self'",
      "img-src 'self' data:",
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; ');
  }
}
