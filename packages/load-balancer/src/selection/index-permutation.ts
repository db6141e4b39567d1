/**
 * A permutation of 0..n-1 kept across calls, for drawing distinct random indexes without
 * allocating: draw k swaps a uniformly chosen entry of positions k..n-1 into position k (one
 * step of Fisher-Yates). Any starting arrangement gives uniform draws, so the permutation is
 * never reset; the walk of one select call is exactly a partial shuffle.
 */
export class IndexPermutation {
  readonly #items: Uint32Array;

  constructor(size: number) {
    this.#items = new Uint32Array(size);
    for (let i = 0; i < size; i++) this.#items[i] = i;
  }

  /** Moves a random one of positions k..n-1 to k and returns the index stored there. */
  draw(k: number, random: () => number): number {
    const items = this.#items;
    const j = k + Math.floor(random() * (items.length - k));
    const picked = items[j]!;
    items[j] = items[k]!;
    items[k] = picked;
    return picked;
  }

  /** The index at position k. */
  at(k: number): number {
    return this.#items[k]!;
  }

  /** Swaps positions i and j. */
  swap(i: number, j: number): void {
    const items = this.#items;
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}
