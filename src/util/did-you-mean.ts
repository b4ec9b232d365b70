/**
 * "Did you mean …?" for a mistyped word (a command, a config key): the known word nearest in
 * edit distance, counting a swap of two neighbouring letters as one edit (`stauts` → `status`).
 */

/** Optimal-string-alignment distance between two short words. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The known word closest to `word`, when it is close enough to be a typo (at most 2 edits and
 * fewer than half the word's letters); undefined otherwise. Long inputs are not compared: a
 * hostile 1 MB "key" must not cost a quadratic table.
 */
export function closest(word: string, known: Iterable<string>): string | undefined {
  if (word.length > 64) return undefined;
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    if (k.length > 64) continue;
    const dist = editDistance(w, k.toLowerCase());
    if (dist < bestD) {
      best = k;
      bestD = dist;
    }
  }
  return best !== undefined && best !== word && bestD <= 2 && bestD * 2 < Math.max(word.length, 2) ? best : undefined;
}
