import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { DemoConfig } from '../../demo/src/config';

/** The page's sources. (An ES module that imports this file passes its own path: tsx gives it no __dirname.) */
export const DEMO_DIR = join(__dirname, '..', '..', 'demo');

export interface ClientBundle {
  readonly js: Uint8Array;
  readonly css: Uint8Array;
  readonly html: Uint8Array;
}

/** Bundles demo/src with esbuild (minified ESM for current browsers), in memory. */
export async function buildClient(demoDir = DEMO_DIR): Promise<ClientBundle> {
  const result = await build({
    entryPoints: [join(demoDir, 'src', 'main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.contents;
  if (!js) throw new Error('esbuild produced no bundle');
  const [css, html] = await Promise.all([readFile(join(demoDir, 'app.css')), readFile(join(demoDir, 'index.html'))]);
  return { js, css, html };
}

/** Raw and gzip bytes of the page's script, as a browser downloads it. */
export function bundleSize(bundle: ClientBundle): { raw: number; gzip: number } {
  return { raw: bundle.js.byteLength, gzip: gzipSync(bundle.js, { level: 9 }).byteLength };
}

/**
 * The page's Content-Security-Policy: scripts and styles only from this origin (no inline code),
 * requests only to this origin and the stage's own endpoints, no frames, no forms, no plugins.
 */
export function contentSecurityPolicy(config: DemoConfig): string {
  const connect = [...new Set(connectOrigins(config))].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self' ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The origins the page calls: the login domain (token, revoke), the API, the identity pool, the user pool API. */
export function connectOrigins(config: DemoConfig): string[] {
  return [
    new URL(config.loginDomainUrl).origin,
    new URL(config.apiUrl).origin,
    ...(config.identityPoolId ? [`https://cognito-identity.${config.region}.amazonaws.com`] : []),
    ...(config.passwordlessClientId ? [`https://cognito-idp.${config.region}.amazonaws.com`] : []),
  ];
}

export interface DemoServer {
  readonly server: Server;
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Serves the page on `host:port`: the same HTML for `/` and `/callback` (the sign-in popup's
 * landing page), the bundle, and the stage's configuration as /config.json.
 */
export async function serveDemo(
  config: DemoConfig,
  bundle: ClientBundle,
  { host, port }: { host: string; port: number },
): Promise<DemoServer> {
  const headers = {
    'Content-Security-Policy': contentSecurityPolicy(config),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'Cross-Origin-Opener-Policy': 'same-origin-allow-popups',
  };
  const files: Record<string, [string, Uint8Array | string]> = {
    '/': ['text/html; charset=utf-8', bundle.html],
    '/callback': ['text/html; charset=utf-8', bundle.html],
    '/app.js': ['text/javascript; charset=utf-8', bundle.js],
    '/app.css': ['text/css; charset=utf-8', bundle.css],
    '/config.json': ['application/json', JSON.stringify(config)],
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = request.method === 'GET' || request.method === 'HEAD' ? files[path] : undefined;
    if (!file) {
      response.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    response
      .writeHead(200, { ...headers, 'Content-Type': file[0] })
      .end(request.method === 'HEAD' ? undefined : file[1]);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const origin = `http://${host === '127.0.0.1' || host === '::1' ? host : 'localhost'}:${address.port}`;
  return {
    server,
    origin,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
