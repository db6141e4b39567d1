// Types for the few autocannon calls of the load test (autocannon ships none).
declare module 'autocannon' {
  export interface Result {
    errors: number;
    timeouts: number;
    non2xx: number;
    resets: number;
    '2xx': number;
    requests: { total: number };
  }
  export default function autocannon(
    options: { url: string; connections?: number; duration?: number; timeout?: number },
    done: (error: Error | null, result: Result) => void,
  ): { stop(): void };
}
