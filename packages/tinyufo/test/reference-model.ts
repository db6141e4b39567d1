// A deliberately plain model of TinyUFO for the property tests: arrays for the queues (with
// shift and splice), a Map of entry records, eager removal. It shares only the frequency
// sketch, the ghost table and the key hash with the real cache, which have their own tests.
import {
  DEFAULTS,
  defaultHashKey,
  type Evicted,
  FrequencySketch,
  GhostQueue,
} from '../src/index.js';

interface Entry<V> {
  value: V;
  weight: number;
  uses: number;
  inMain: boolean;
}

export class ReferenceTinyUfo<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private readonly small: K[] = [];
  private readonly main: K[] = [];
  private readonly sketch: FrequencySketch;
  private readonly ghost: GhostQueue;
  private readonly smallLimit: number;

  constructor(
    private readonly limit: number,
    ghostShare: number = DEFAULTS.ghostShare,
  ) {
    this.sketch = new FrequencySketch(limit);
    this.ghost = new GhostQueue(limit * ghostShare);
    this.smallLimit = Math.floor(limit * 0.1) + 1;
  }

  get size(): number {
    return this.entries.size;
  }

  get weight(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.weight;
    return total;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    entry.uses = Math.min(DEFAULTS.usesCap, entry.uses + 1);
    return entry.value;
  }

  peek(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  remove(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    const queue = entry.inMain ? this.main : this.small;
    queue.splice(queue.indexOf(key), 1);
    return entry.value;
  }

  put(key: K, value: V, weight: number, force: boolean): Evicted<K, V>[] {
    const frequency = this.sketch.increment(defaultHashKey(key));
    const existing = this.entries.get(key);
    if (existing) {
      existing.uses = Math.min(DEFAULTS.usesCap, existing.uses + 1);
      existing.value = value;
      existing.weight = weight;
      return this.leave(this.evictFor(0));
    }
    if (weight > this.limit) return [{ key, value, weight }];
    const victims = this.evictFor(weight);
    if (!force && victims.length === 1) {
      const [victim] = victims;
      if (this.sketch.estimate(defaultHashKey(victim!.key)) > frequency) {
        // The victim wins and comes back as new, in small; it never was a ghost.
        this.add(victim!.key, victim!.value, victim!.weight, false);
        return [{ key, value, weight }];
      }
    }
    const evicted = this.leave(victims);
    this.add(key, value, weight, this.ghost.take(defaultHashKey(key)));
    return evicted;
  }

  private add(key: K, value: V, weight: number, inMain: boolean): void {
    this.entries.set(key, { value, weight, uses: 0, inMain });
    (inMain ? this.main : this.small).push(key);
  }

  /** The victims leave for good: those from the small queue become ghosts, in order. */
  private leave(victims: (Evicted<K, V> & { fromSmall: boolean })[]): Evicted<K, V>[] {
    return victims.map(({ key, value, weight, fromSmall }) => {
      if (fromSmall) this.ghost.remember(defaultHashKey(key));
      return { key, value, weight };
    });
  }

  private queueWeight(queue: K[]): number {
    return queue.reduce((sum, key) => sum + this.entries.get(key)!.weight, 0);
  }

  /** Small queue: a head used more than once moves to main; the first other one is the victim. */
  private fromSmall(): K | undefined {
    while (this.small.length > 0) {
      const key = this.small.shift()!;
      const entry = this.entries.get(key)!;
      if (entry.uses <= 1) return key;
      entry.inMain = true;
      this.main.push(key);
    }
    return undefined;
  }

  /** Main queue: a used head goes back with one use less; the first unused one is the victim. */
  private fromMain(): K | undefined {
    while (this.main.length > 0) {
      const key = this.main.shift()!;
      const entry = this.entries.get(key)!;
      if (entry.uses === 0) return key;
      entry.uses--;
      this.main.push(key);
    }
    return undefined;
  }

  /** Removes victims until `extra` more fits; they are not ghosts yet (see `leave`). */
  private evictFor(extra: number): (Evicted<K, V> & { fromSmall: boolean })[] {
    const victims: (Evicted<K, V> & { fromSmall: boolean })[] = [];
    while (this.weight + extra > this.limit) {
      let victim: K | undefined;
      if (this.queueWeight(this.small) >= this.smallLimit) victim = this.fromSmall();
      victim ??= this.fromMain() ?? this.fromSmall() ?? this.fromMain();
      if (victim === undefined) break;
      const entry = this.entries.get(victim)!;
      this.entries.delete(victim);
      victims.push({
        key: victim,
        value: entry.value,
        weight: entry.weight,
        fromSmall: !entry.inMain,
      });
    }
    return victims;
  }
}
