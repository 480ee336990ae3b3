// How busy the rest of the machine was while a benchmark ran: the CPU time
// the whole machine spent (Linux /proc/stat) minus this process's own (all
// its threads, process.cpuUsage). Spinning figures such as B2 are only
// meaningful while no other work competes for the two cores, so the report
// says how much did.

import { readFileSync } from 'node:fs';

export interface MachineLoad {
  wallMs: number;
  /** CPU time of this process (all threads) over wall time, in cores. */
  ownCores: number;
  /** CPU time of everything else over wall time, in cores. */
  otherCores: number;
  /** Time the hypervisor gave the CPUs to someone else, in cores. */
  stealCores: number;
}

/** Jiffies per second of /proc/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

interface CpuTimes {
  busyMs: number;
  stealMs: number;
}

function cpuTimes(): CpuTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [label, ...fields] = line.trim().split(/\s+/);
    if (label !== 'cpu') return undefined;
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    const ms = (jiffies: number) => (jiffies * 1000) / USER_HZ;
    return { busyMs: ms(user + nice + system + irq + softirq), stealMs: ms(steal ?? 0) };
  } catch {
    return undefined;
  }
}

/** Starts watching; the function returned gives the load since then (undefined off Linux). */
export function watchLoad(): () => MachineLoad | undefined {
  const start = process.hrtime.bigint();
  const cpuStart = cpuTimes();
  const ownStart = process.cpuUsage();
  return () => {
    const cpuEnd = cpuTimes();
    if (cpuStart === undefined || cpuEnd === undefined) return undefined;
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    const own = process.cpuUsage(ownStart);
    const ownMs = (own.user + own.system) / 1000;
    const busyMs = cpuEnd.busyMs - cpuStart.busyMs;
    return {
      wallMs,
      ownCores: ownMs / wallMs,
      otherCores: Math.max(0, busyMs - ownMs) / wallMs,
      stealCores: (cpuEnd.stealMs - cpuStart.stealMs) / wallMs,
    };
  };
}
