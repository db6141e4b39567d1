/** Writes one line to stderr: ISO time, the process's role and pid, the message. */
export function createLog(role: string): (line: string) => void {
  return (line) => {
    process.stderr.write(`${new Date().toISOString()} [${role} ${process.pid}] ${line}\n`);
  };
}
