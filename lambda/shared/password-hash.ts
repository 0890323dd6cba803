import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes of the legacy directory: scrypt (RFC 7914) from `node:crypto`, stored in the
 * PHC string format (https://github.com/P-H-C/phc-string-format), which names its own
 * algorithm and parameters:
 *
 *     $scrypt$ln=17,r=8,p=1$<salt>$<hash>
 *
 * `ln` is log2 of the cost N; salt and hash are standard base64 without padding. Because every
 * hash carries its parameters, records hashed with different settings verify side by side, and
 * the settings can be raised for new hashes without touching old ones.
 *
 * Parameters are bounded so that a corrupt or hostile record cannot make a trigger spend more
 * memory or time than its 5-second budget allows.
 */

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  readonly ln: number;
  /** Block size. */
  readonly r: number;
  /** Parallelization. */
  readonly p: number;
}

/**
 * What new hashes use: the OWASP Password Storage Cheat Sheet minimum for scrypt
 * (N = 2^17, r = 8, p = 1: 128 MiB, a few hundred ms on a Lambda with 512 MB).
 */
export const DEFAULT_SCRYPT: ScryptParams = { ln: 17, r: 8, p: 1 };

/** Accepted parameter ranges (anything else is a malformed hash). */
export const SCRYPT_LIMITS = {
  ln: [10, 20],
  r: [1, 32],
  p: [1, 4],
  /** Upper bound of scrypt's working memory (128 * N * r bytes). */
  maxMemoryBytes: 128 * 1024 * 1024,
  saltBytes: [8, 64],
  hashBytes: [16, 64],
} as const;

const SALT_BYTES = 16;
const HASH_BYTES = 32;

export interface ParsedHash {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function inRange(value: number, [min, max]: readonly [number, number]): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function memoryBytes({ ln, r }: ScryptParams): number {
  return 128 * 2 ** ln * r;
}

/** The parsed hash, or `undefined` for anything that is not a well-formed, bounded scrypt PHC string. */
export function parseHash(encoded: unknown): ParsedHash | undefined {
  if (typeof encoded !== 'string' || encoded.length > 512) return undefined;
  const match = PHC.exec(encoded);
  if (!match) return undefined;
  const [, ln, r, p, salt, hash] = match as unknown as [string, string, string, string, string, string];
  const params = { ln: Number(ln), r: Number(r), p: Number(p) };
  if (!validParams(params)) return undefined;
  const saltBytes = Buffer.from(salt, 'base64');
  const hashBytes = Buffer.from(hash, 'base64');
  // Standard base64 without padding must round-trip exactly (rejects stray bits and padding).
  if (unpadded(saltBytes) !== salt || unpadded(hashBytes) !== hash) return undefined;
  if (!inRange(saltBytes.length, SCRYPT_LIMITS.saltBytes) || !inRange(hashBytes.length, SCRYPT_LIMITS.hashBytes)) {
    return undefined;
  }
  return { params, salt: saltBytes, hash: hashBytes };
}

export function validParams(params: ScryptParams): boolean {
  return (
    inRange(params.ln, SCRYPT_LIMITS.ln) &&
    inRange(params.r, SCRYPT_LIMITS.r) &&
    inRange(params.p, SCRYPT_LIMITS.p) &&
    memoryBytes(params) <= SCRYPT_LIMITS.maxMemoryBytes
  );
}

function unpadded(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

function derive(password: string, salt: Buffer, length: number, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: 2 ** params.ln,
    r: params.r,
    p: params.p,
    // Node refuses work above maxmem (32 MiB by default); allow exactly what the params need.
    maxmem: memoryBytes(params) + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes `password` with a fresh random salt (used by scripts/seed-legacy-users.ts and tests). */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  if (!validParams(params)) throw new Error('scrypt parameters out of range');
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, HASH_BYTES, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${unpadded(salt)}$${unpadded(hash)}`;
}

/**
 * Whether `password` matches `parsed`, compared in constant time. Always derives a key, so a
 * caller that passes a dummy hash for an unknown user spends the same work as for a real one.
 */
export async function verifyPassword(password: string, parsed: ParsedHash): Promise<boolean> {
  const candidate = await derive(password, parsed.salt, parsed.hash.length, parsed.params);
  return timingSafeEqual(candidate, parsed.hash);
}
