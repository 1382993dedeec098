/**
 * A seeded uniform generator on [0, 1) (the ANSI C linear congruential one): the same values on every run,
 * for tests that draw random samples.
 */
export function seededUniform(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}
