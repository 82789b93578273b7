/** CPU milliseconds (user + system, all threads) between two `process.cpuUsage()` readings. */
export function cpuMs(from: NodeJS.CpuUsage, to: NodeJS.CpuUsage): number {
  return (to.user - from.user + to.system - from.system) / 1000;
}
