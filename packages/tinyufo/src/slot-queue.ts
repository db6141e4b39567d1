/**
 * A FIFO of slot numbers in a growable ring of 32-bit integers: S3-FIFO's small and main
 * queues. Push at the tail, pop at the head, both O(1) and allocation-free until it grows.
 */
export class SlotQueue {
  private ring: Int32Array;
  private mask: number;
  private head = 0;
  /** Slots in the queue. */
  length = 0;

  constructor(capacity = 16) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.ring = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Appends `slot` at the tail. */
  push(slot: number): void {
    if (this.length === this.ring.length) this.grow();
    this.ring[(this.head + this.length) & this.mask] = slot;
    this.length++;
  }

  /** Removes and returns the head; the caller checks `length` first. */
  pop(): number {
    const slot = this.ring[this.head]!;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return slot;
  }

  /** Keeps only the slots for which `keep` is true, in their order. */
  retain(keep: (slot: number) => boolean): void {
    let kept = 0;
    for (let i = 0; i < this.length; i++) {
      const slot = this.ring[(this.head + i) & this.mask]!;
      if (keep(slot)) this.ring[(this.head + kept++) & this.mask] = slot;
    }
    this.length = kept;
  }

  /** Empties the queue. */
  clear(): void {
    this.head = 0;
    this.length = 0;
  }

  private grow(): void {
    const next = new Int32Array(this.ring.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = this.ring[(this.head + i) & this.mask]!;
    this.ring = next;
    this.mask = next.length - 1;
    this.head = 0;
  }
}
