// The part of autocannon's API the load tests use (the package ships no types).
declare module 'autocannon' {
  export interface Options {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    timeout?: number;
  }
  export interface Result {
    requests: { total: number; average: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    resets: number;
    '2xx': number;
  }
  export interface Instance {
    stop(): void;
    on(event: 'reqError', listener: (error: Error & { code?: string }) => void): this;
  }
  function autocannon(
    options: Options,
    callback: (error: Error | null, result: Result) => void,
  ): Instance;
  export default autocannon;
}
