/** A set of callbacks for one kind of event; a throwing listener does not stop the others. */
export class Listeners<T> {
  readonly #set = new Set<(event: T) => void>();

  /** Adds `listener`; returns the function that removes it. */
  add(listener: (event: T) => void): () => void {
    this.#set.add(listener);
    return () => {
      this.#set.delete(listener);
    };
  }

  /** Calls every listener with `event`; errors thrown by listeners go to `onListenerError`. */
  emit(event: T, onListenerError?: (error: unknown) => void): void {
    for (const listener of this.#set) {
      try {
        listener(event);
      } catch (error) {
        onListenerError?.(error);
      }
    }
  }

  /** Whether anyone listens. */
  get isEmpty(): boolean {
    return this.#set.size === 0;
  }
}
