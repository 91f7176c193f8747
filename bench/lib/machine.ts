import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs } from './processes';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  let kernel: string;
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    kernel = process.platform;
  }
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, kernel };
}

export interface Busyness {
  at: string;
  loadavg: number[];
  /** Other processes that used more than 5% of a core over one second. */
  busy: Array<{ pid: number; cpuPercent: number; command: string }>;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 120);
  } catch {
    return '?';
  }
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** What else is running: samples every process's CPU over one second, leaving out the given ones (the bench's own). */
export async function busyness(ownPids: number[]): Promise<Busyness> {
  const own = new Set([process.pid, ...ownPids]);
  const before = new Map(pids().map((pid) => [pid, cpuMs(pid)]));
  await sleep(1000);
  const busy: Busyness['busy'] = [];
  for (const pid of pids()) {
    if (own.has(pid) || !before.has(pid)) continue;
    const used = (cpuMs(pid) - before.get(pid)!) / 10; // ms over 1,000 ms, as a percentage
    if (used > 5) busy.push({ pid, cpuPercent: Math.round(used), command: commandOf(pid) });
  }
  return { at: new Date().toISOString(), loadavg: loadavg().map((x) => Math.round(x * 100) / 100), busy: busy.sort((a, b) => b.cpuPercent - a.cpuPercent) };
}
