// A minimal typed event emitter (no dependency, works in browsers and Node).
// A listener that throws is reported to the 'error' listeners, never to the
// code that emitted: one bad handler must not break the connection.

type Listener<T> = (value: T) => void;

export class Emitter<Events extends { error: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners.get(event)?.delete(listener as Listener<never>);
  }

  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<Events[K]>)(value);
      } catch (cause) {
        if (event !== 'error') this.emit('error', { kind: 'listener', cause } as Events['error']);
      }
    }
  }
}
