import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('correct horse battery');
    await expect(hasher.verify('correct horse battery', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horse battery!', stored)).resolves.toBe(false);
  });

  it('salts every hash and never contains the password', async () => {
    const [a, b] = await Promise.all([hasher.hash('same-password'), hasher.hash('same-password')]);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toContain('same-password');
  });

  it('keeps verifying hashes made with other parameters', async () => {
    const cheap = new PasswordHasher({ N: 2 ** 10, r: 8, p: 1 });
    const stored = await cheap.hash('pw-from-2019');
    expect(stored.startsWith('scrypt$1024$')).toBe(true);
    await expect(hasher.verify('pw-from-2019', stored)).resolves.toBe(true);
  });

  it('refuses malformed stored values instead of throwing', async () => {
    await expect(hasher.verify('x', 'plain-text')).resolves.toBe(false);
    await expect(hasher.verify('x', 'bcrypt$1$2$3$a$b')).resolves.toBe(false);
  });

  it('spends about as long on an unknown email as on a wrong password', async () => {
    const stored = await hasher.hash('the-real-one');
    const time = async (run: () => Promise<unknown>) => {
      const started = performance.now();
      for (let i = 0; i < 5; i += 1) await run();
      return performance.now() - started;
    };
    await hasher.verifyNothing('warm-up');
    const wrong = await time(() => hasher.verify('wrong-guess', stored));
    const unknown = await time(() => hasher.verifyNothing('wrong-guess'));
    expect(unknown / wrong).toBeGreaterThan(0.33);
    expect(unknown / wrong).toBeLessThan(3);
  });
});
