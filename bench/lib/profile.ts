import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  selfPercent: number;
  name: string;
  where: string;
}

/** Shortens a script URL to the package (or project file) it belongs to. */
function where(url: string): string {
  if (!url) return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 6) : url.replace(/^file:\/\//, '');
}

/** A span of the monotonic clock in microseconds (`process.hrtime`, the clock V8 stamps samples with). */
export interface SampleWindow {
  fromUs: number;
  toUs: number;
}

/** Each sample's node and the time it stands for (µs), only those taken within the window when there is one. */
function* samplesIn(profile: CpuProfile, window?: SampleWindow): Generator<[node: number, timeUs: number]> {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    const time = deltas[i] ?? 0;
    at += time;
    if (!window || (at >= window.fromUs && at <= window.toUs)) yield [samples[i], time];
  }
}

/**
 * The functions with the most self time in a `.cpuprofile` (what `node --cpu-prof` writes); given a window,
 * only the samples taken within it (the measured load, not start-up or warm-up).
 */
export function topFunctions(file: string, limit = 25, window?: SampleWindow): { lines: ProfileLine[]; byPackage: ProfileLine[]; busyMs: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  for (const [node, time] of samplesIn(profile, window)) self.set(node, (self.get(node) ?? 0) + time);
  // Shares of busy time: the idle loop is left out.
  let total = 0;
  for (const [id, time] of self) if (byId.get(id)?.callFrame.functionName !== '(idle)') total += time;
  total ||= 1;
  const byFunction = new Map<string, ProfileLine>();
  const byPackage = new Map<string, ProfileLine>();
  for (const [id, time] of self) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const place = where(url);
    const key = `${functionName}|${place}|${lineNumber}`;
    const line = byFunction.get(key) ?? { selfPercent: 0, name: functionName || '(anonymous)', where: url ? `${place}:${lineNumber + 1}` : place };
    line.selfPercent += (100 * time) / total;
    byFunction.set(key, line);
    const pkg = byPackage.get(place) ?? { selfPercent: 0, name: place, where: '' };
    pkg.selfPercent += (100 * time) / total;
    byPackage.set(place, pkg);
  }
  const sort = (lines: Iterable<ProfileLine>) => [...lines].sort((a, b) => b.selfPercent - a.selfPercent).slice(0, limit);
  return { lines: sort(byFunction.values()), byPackage: sort(byPackage.values()), busyMs: total / 1000 };
}

export function latestProfile(directory: string): string | null {
  try {
    const files = readdirSync(directory)
      .filter((name) => name.endsWith('.cpuprofile'))
      .sort();
    return files.length ? join(directory, files[files.length - 1]) : null;
  } catch {
    return null;
  }
}

/** Inclusive time: each function's share of samples with it anywhere on the stack (once per sample). */
export function inclusiveFunctions(file: string, limit = 40, window?: SampleWindow): ProfileLine[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, ProfileLine>();
  let total = 0;
  for (const [sample, time] of samplesIn(profile, window)) {
    const leaf = byId.get(sample);
    if (!leaf || leaf.callFrame.functionName === '(idle)') continue;
    total += time;
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
      const key = `${functionName}|${where(url)}|${lineNumber}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const line = totals.get(key) ?? { selfPercent: 0, name: functionName || '(anonymous)', where: url ? `${where(url)}:${lineNumber + 1}` : where(url) };
      line.selfPercent += time;
      totals.set(key, line);
    }
  }
  return [...totals.values()]
    .map((line) => ({ ...line, selfPercent: (100 * line.selfPercent) / (total || 1) }))
    .sort((a, b) => b.selfPercent - a.selfPercent)
    .slice(0, limit);
}

if (require.main === module && process.argv[3] === '--inclusive') {
  console.log('incl% of busy time  function  (where)');
  for (const line of inclusiveFunctions(process.argv[2], Number(process.argv[4] ?? 80)))
    console.log(`${line.selfPercent.toFixed(1).padStart(5)}  ${line.name}  (${line.where})`);
} else if (require.main === module) {
  const file = process.argv[2];
  const { lines, byPackage } = topFunctions(file, Number(process.argv[3] ?? 30));
  console.log('self%  function  (where)');
  for (const line of lines) console.log(`${line.selfPercent.toFixed(1).padStart(5)}  ${line.name}  (${line.where})`);
  console.log('\nself%  package/file');
  for (const line of byPackage) console.log(`${line.selfPercent.toFixed(1).padStart(5)}  ${line.name}`);
}
