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
  /** app.js, the entry the page loads. */
  readonly js: Uint8Array;
  /** The chunks app.js imports, statically or on demand (the AWS SDK panels), by file name. */
  readonly chunks: Readonly<Record<string, Uint8Array>>;
  /** The chunks the page loads before any on-demand import (app.js's static imports). */
  readonly initialChunks: readonly string[];
  readonly css: Uint8Array;
  readonly html: Uint8Array;
}

/**
 * Bundles demo/src with esbuild (minified ESM for current browsers), in memory: app.js for
 * sign-in, claims and the API, and chunks for the AWS SDK panels, loaded when first used.
 */
export async function buildClient(demoDir = DEMO_DIR): Promise<ClientBundle> {
  const result = await build({
    entryPoints: { app: join(demoDir, 'src', 'main.ts') },
    bundle: true,
    splitting: true,
    outdir: '/',
    chunkNames: '[name]-[hash]',
    metafile: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const files = Object.fromEntries(result.outputFiles.map((f) => [f.path.replace(/^.*\//, ''), f.contents]));
  const { 'app.js': js, ...chunks } = files;
  if (!js) throw new Error('esbuild produced no app.js');
  const outputs = Object.fromEntries(
    Object.entries(result.metafile.outputs).map(([path, output]) => [path.replace(/^.*\//, ''), output]),
  );
  const initial = new Set<string>();
  const visit = (name: string) => {
    for (const edge of outputs[name]?.imports ?? []) {
      const target = edge.path.replace(/^.*\//, '');
      if (edge.kind === 'import-statement' && !initial.has(target)) {
        initial.add(target);
        visit(target);
      }
    }
  };
  visit('app.js');
  const [css, html] = await Promise.all([readFile(join(demoDir, 'app.css')), readFile(join(demoDir, 'index.html'))]);
  return { js, chunks, initialChunks: [...initial], css, html };
}

export interface BundleSize {
  readonly raw: number;
  readonly gzip: number;
}

/** Bytes the page loads up front (sign-in, claims, API) and in all (with the on-demand AWS SDK chunks). */
export function bundleSize(bundle: ClientBundle): { initial: BundleSize; all: BundleSize } {
  const size = (files: Uint8Array[]) => ({
    raw: files.reduce((sum, f) => sum + f.byteLength, 0),
    gzip: files.reduce((sum, f) => sum + gzipSync(f, { level: 9 }).byteLength, 0),
  });
  return {
    initial: size([bundle.js, ...bundle.initialChunks.map((name) => bundle.chunks[name]!)]),
    all: size([bundle.js, ...Object.values(bundle.chunks)]),
  };
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

/** The origins the page calls: the login domain (token, revoke), the API, the identity pool, the user pool API, the data bucket. */
export function connectOrigins(config: DemoConfig): string[] {
  return [
    new URL(config.loginDomainUrl).origin,
    new URL(config.apiUrl).origin,
    ...(config.identityPoolId ? [`https://cognito-identity.${config.region}.amazonaws.com`] : []),
    ...(config.passwordlessClientId ? [`https://cognito-idp.${config.region}.amazonaws.com`] : []),
    ...(config.bucketName ? [`https://${config.bucketName}.s3.${config.region}.amazonaws.com`] : []),
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
  };
  const files: Record<string, [string, Uint8Array | string]> = {
    '/': ['text/html; charset=utf-8', bundle.html],
    '/callback': ['text/html; charset=utf-8', bundle.html],
    '/app.js': ['text/javascript; charset=utf-8', bundle.js],
    '/app.css': ['text/css; charset=utf-8', bundle.css],
    '/config.json': ['application/json', JSON.stringify(config)],
    ...Object.fromEntries(
      Object.entries(bundle.chunks).map(([name, contents]) => [
        `/${name}`,
        ['text/javascript; charset=utf-8', contents],
      ]),
    ),
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
