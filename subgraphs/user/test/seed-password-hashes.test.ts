import { DEFAULT_DATA_DIR, loadCatalog, loadPasswordHashes } from '@commerce/seed-data';
import { isWeakerHash, verifyPassword } from '../src/services/password';

// The seed stores these precomputed hashes instead of hashing the demo passwords on every fresh
// database; a stale or wrong one would lock a demo user out, a weaker one would weaken the store.
test('every vendored demo password has a precomputed hash that verifies at full strength', async () => {
  const [{ users }, hashes] = await Promise.all([loadCatalog({ dataDir: DEFAULT_DATA_DIR }), loadPasswordHashes()]);
  expect(users.filter((u) => !hashes.has(u.password)).map((u) => u.username)).toEqual([]);
  expect([...hashes.values()].filter(isWeakerHash)).toEqual([]);
  // Each its own salt: no two entries share a hash.
  expect(new Set(hashes.values()).size).toBe(hashes.size);
  const wrong: string[] = [];
  // Sequential batches keep this to the cores there are; verification is as costly as hashing.
  const entries = [...hashes];
  for (let i = 0; i < entries.length; i += 4) {
    const batch = entries.slice(i, i + 4);
    const results = await Promise.all(batch.map(([password, hash]) => verifyPassword(hash, password)));
    batch.forEach(([password], j) => results[j] || wrong.push(password));
  }
  expect(wrong).toEqual([]);
  // And verification is real: a wrong password fails.
  expect(await verifyPassword(hashes.get(users[0]!.password)!, 'not-the-password')).toBe(false);
});
