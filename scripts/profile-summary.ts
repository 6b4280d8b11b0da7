/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): where the sampled time went,
 * by function (self time) and by area (our source folders, each dependency,
 * GC, idle), so that BENCHMARKS.md can say where the time goes without a
 * profiler UI.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import @swc-node/register/esm-register scripts/bench-ingest.ts
 *   npm run profile:summary -- /tmp/prof/CPU.*.cpuprofile [--top 25]
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The area a frame belongs to: `src/ingest`, `npm:pg`, `(garbage collector)`, `node:internal`... @internal */
function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return `npm:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith('node:')) return 'node:internal';
  const project = /\/(src|connectors|scripts|seeds)\/(([^/]+)\/)?/.exec(url);
  if (project) return project[3] && !project[3].includes('.') ? `${project[1]}/${project[3]}` : project[1];
  return url;
}

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args.splice(topIndex, 2)[1]) : 25;
for (const file of args) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = (profile.endTime - profile.startTime) / 1000;
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, micros] of self) {
    const { callFrame } = byId.get(id)!;
    const where = callFrame.url ? `${callFrame.url.replace(/^.*\/(node_modules|src|connectors|scripts)\//, '$1/')}:${callFrame.lineNumber + 1}` : '';
    const fn = `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros / 1000);
    const area = areaOf(callFrame.url, callFrame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + micros / 1000);
  }
  const busy = [...byArea].filter(([a]) => a !== '(idle)').reduce((s, [, ms]) => s + ms, 0);
  console.log(`\n${file}: ${(total / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)} %)`);
  console.log('\nby area (self time):');
  for (const [area, ms] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${(ms / 1000).toFixed(2).padStart(7)} s  ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${area}`);
  }
  console.log('\nby function (self time):');
  for (const [fn, ms] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${(ms / 1000).toFixed(2).padStart(7)} s  ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${fn}`);
  }
}
