import fc from 'fast-check';
import {
  DEFAULT_SCRYPT,
  hashPassword,
  parseHash,
  validParams,
  verifyPassword,
  type ScryptParams,
} from '../../lambda/shared/password-hash';
import { DUMMY_HASH } from '../../lambda/triggers/migrate-user/migration';

// Cheap parameters keep the tests fast; the format and checks are the same at any cost.
const FAST: ScryptParams = { ln: 10, r: 8, p: 1 };

describe('scrypt PHC hashes', () => {
  it('round-trips: the right password verifies, any other does not', async () => {
    const encoded = await hashPassword('Correct horse 1!', FAST);
    expect(encoded).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const parsed = parseHash(encoded)!;
    await expect(verifyPassword('Correct horse 1!', parsed)).resolves.toBe(true);
    await expect(verifyPassword('Correct horse 1?', parsed)).resolves.toBe(false);
    await expect(verifyPassword('', parsed)).resolves.toBe(false);
  });

  it('uses a fresh salt per hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same', FAST), hashPassword('same', FAST)]);
    expect(a).not.toBe(b);
  });

  it('defaults to the OWASP minimum for new hashes, and the dummy hash uses the same parameters', () => {
    expect(DEFAULT_SCRYPT).toEqual({ ln: 17, r: 8, p: 1 });
    expect(parseHash(DUMMY_HASH)?.params).toEqual(DEFAULT_SCRYPT);
  });

  it('compares with crypto.timingSafeEqual', async () => {
    // The module object itself (an `import * as` namespace would be a copy).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require('node:crypto') as { timingSafeEqual: (a: Buffer, b: Buffer) => boolean };
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      await verifyPassword('x', parseHash(await hashPassword('y', FAST))!);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it.each([
    ['not a string', 42],
    ['empty', ''],
    ['another algorithm', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo'],
    ['bcrypt', '$2b$12$C6UzMDM.H6dfI/f/IKcEeO5Q6Q6Q6Q6Q6Q6Q6Q6Q6Q6Q6Q6Q6Q6'],
    ['cost too low', '$scrypt$ln=4,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g'],
    ['cost too high (memory bomb)', '$scrypt$ln=24,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g'],
    ['memory above the cap', '$scrypt$ln=20,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g'],
    ['padding in base64', '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g='],
    ['salt too short', '$scrypt$ln=10,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2g'],
    ['missing hash', '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$'],
    ['extra field', '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g$x'],
    ['parameters reordered', '$scrypt$r=8,ln=10,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g'],
  ])('refuses a malformed or unbounded hash: %s', (_name, encoded) => {
    expect(parseHash(encoded)).toBeUndefined();
  });

  it('refuses to hash with out-of-range parameters', async () => {
    expect(validParams({ ln: 21, r: 8, p: 1 })).toBe(false);
    await expect(hashPassword('x', { ln: 9, r: 8, p: 1 })).rejects.toThrow('out of range');
  });

  it('verifies exactly the password that was hashed (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ maxLength: 40 }), async (pw, other) => {
        const parsed = parseHash(await hashPassword(pw, FAST))!;
        expect(await verifyPassword(pw, parsed)).toBe(true);
        if (other !== pw) expect(await verifyPassword(other, parsed)).toBe(false);
      }),
      { numRuns: 25 },
    );
  });

  it('parses nothing it would not also produce (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        const parsed = parseHash(`$scrypt$${text}`);
        if (parsed) expect(validParams(parsed.params)).toBe(true);
      }),
    );
  });
});
