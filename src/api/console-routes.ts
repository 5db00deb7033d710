/**
 * The tenant console's static files (src/console, built by Vite into dist/console) under /console/, from this
 * same server: no CDN, so it works offline and on a closed network. The console signs in with a tenant API
 * key and calls the same /v1 routes as any client, so it can see nothing the API would not show.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const CONSOLE_PATH = '/console/';

/** dist/console of this package: the same folder from dist/api (built) and from src/api (under tsx). */
export function defaultConsoleDir(): string {
  return resolve(__dirname, '..', '..', 'dist', 'console');
}

/**
 * The page may run only its own scripts and talk only to this server; nobody may frame it (clickjacking), and
 * no Referer leaves it.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

export async function registerConsoleRoutes(app: FastifyInstance, consoleDir: string): Promise<void> {
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect(CONSOLE_PATH));
  app.get('/console', { schema: { hide: true } }, (_request, reply) => reply.redirect(CONSOLE_PATH));
  if (!existsSync(join(consoleDir, 'index.html'))) {
    app.get(`${CONSOLE_PATH}*`, { schema: { hide: true } }, (_request, reply) =>
      withSecurityHeaders(reply)
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(
          'The console is not built: run `npm run build` (or `npm run build:console`) and restart the API.',
        ),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: consoleDir,
    prefix: CONSOLE_PATH,
    index: ['index.html'],
    wildcard: true,
    // ours, below: send's own would mark the page cacheable
    cacheControl: false,
    setHeaders: (response, path) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
      // Vite names the bundles by their content hash: they never change; the page itself is always asked again
      response.setHeader(
        'cache-control',
        path.includes(`${join('assets', '')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}

function withSecurityHeaders(reply: FastifyReply): FastifyReply {
  return reply.headers(SECURITY_HEADERS);
}
