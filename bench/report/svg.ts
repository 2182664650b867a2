// The chart, hand-written SVG (no dependencies): one panel of throughput ratios (ours/redis per
// test, pipeline and value size; higher is better) and one of cost ratios (server CPU per
// request per cell, then memory per key and AOF load time; lower is better). A dashed line marks
// 1.0, parity with Redis. The title names the date, machine, Node and Redis versions.

import type { Results } from './table.js';

interface Bar {
  label: string;
  value: number;
  color: string;
}

const SLOT = 46;
const LEFT = 64;
const PANEL_H = 220;
const LABEL_H = 110;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round axis maximum and tick step for values up to `max`. */
function axis(max: number): { top: number; step: number } {
  const raw = Math.max(1.2, max * 1.12);
  const step = raw <= 1.5 ? 0.25 : raw <= 3 ? 0.5 : raw <= 6 ? 1 : Math.ceil(raw / 6);
  return { top: Math.ceil(raw / step) * step, step };
}

function panel(y0: number, title: string, bars: Bar[]): string {
  const finite = bars.filter((b) => Number.isFinite(b.value));
  const { top, step } = axis(Math.max(0, ...finite.map((b) => b.value)));
  const py = (v: number): number => y0 + 30 + PANEL_H - (v / top) * PANEL_H;
  const width = bars.length * SLOT;
  const parts: string[] = [`<text x="${LEFT}" y="${y0 + 16}" class="h">${esc(title)}</text>`];
  for (let v = 0; v <= top + 1e-9; v += step) {
    const y = py(v).toFixed(1);
    parts.push(`<line x1="${LEFT}" x2="${LEFT + width}" y1="${y}" y2="${y}" class="grid"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${(py(v) + 4).toFixed(1)}" class="tick">${Number(v.toFixed(2))}</text>`);
  }
  bars.forEach((b, i) => {
    const x = LEFT + i * SLOT + 8;
    const cx = x + (SLOT - 16) / 2;
    if (Number.isFinite(b.value)) {
      const y = py(b.value);
      parts.push(`<rect x="${x}" y="${y.toFixed(1)}" width="${SLOT - 16}" height="${(py(0) - y).toFixed(1)}" fill="${b.color}"><title>${esc(b.label)}: ${b.value.toFixed(3)}</title></rect>`);
      parts.push(`<text x="${cx}" y="${(y - 4).toFixed(1)}" class="val">${b.value.toFixed(2)}</text>`);
    } else {
      parts.push(`<text x="${cx}" y="${(py(0) - 4).toFixed(1)}" class="val">n/a</text>`);
    }
    const ly = py(0) + 12;
    parts.push(`<text x="${cx + 4}" y="${ly}" class="lbl" transform="rotate(-45 ${cx + 4} ${ly})">${esc(b.label)}</text>`);
  });
  const one = py(1).toFixed(1);
  parts.push(`<line x1="${LEFT}" x2="${LEFT + width}" y1="${one}" y2="${one}" class="one"/>`);
  parts.push(`<text x="${LEFT + width + 4}" y="${(py(1) + 4).toFixed(1)}" class="onet">1.0</text>`);
  parts.push(`<line x1="${LEFT}" x2="${LEFT}" y1="${py(top).toFixed(1)}" y2="${py(0).toFixed(1)}" class="axis"/>`);
  return parts.join('\n');
}

function cellLabel(c: Results['throughput'][number]): string {
  return `${c.test} P${c.pipeline}${c.test.startsWith('ping') || c.test === 'incr' ? '' : ` d${c.dataSize}`}${c.keyspace ? ' rand' : ''}${c.fsync === 'always' ? ' always' : ''}`;
}

export function renderSvg(r: Results): string {
  const cells = r.throughput;
  const speed: Bar[] = cells.map((c) => ({ label: cellLabel(c), value: c.rpsRatio, color: c.fsync === 'always' ? '#6a51a3' : '#3b75af' }));
  const cost: Bar[] = cells.map((c) => ({ label: `cpu ${cellLabel(c)}`, value: c.cpuRatio, color: '#e1812c' }));
  if (r.memory) cost.push({ label: 'memory/key', value: r.memory.ratio, color: '#3a923a' });
  if (r.memory?.settledRatio != null) cost.push({ label: 'memory/key at rest', value: r.memory.settledRatio, color: '#74c476' });
  if (r.load) cost.push({ label: 'AOF load time', value: r.load.ratio, color: '#c03d3e' });
  const slots = Math.max(speed.length, cost.length, 8);
  const W = LEFT + slots * SLOT + 60;
  const panelTotal = 30 + PANEL_H + LABEL_H;
  let y = 76;
  const body: string[] = [];
  if (speed.length > 0) {
    body.push(panel(y, 'Throughput, ours / redis (requests per second; higher is better)', speed));
    y += panelTotal;
  }
  if (cost.length > 0) {
    body.push(panel(y, 'Cost, ours / redis (server CPU per request, memory per key, load time; lower is better)', cost));
    y += panelTotal;
  }
  const m = r.machine;
  const notes = footNotes(r);
  const H = y + notes.length * 16 + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<style>
.t{font-size:17px;font-weight:bold}.s{font-size:12px;fill:#444}.h{font-size:13px;font-weight:bold}
.tick{font-size:10px;text-anchor:end;fill:#555}.val{font-size:10px;text-anchor:middle;fill:#222}
.lbl{font-size:10px;text-anchor:end;fill:#333}.grid{stroke:#e4e4e4}.axis{stroke:#888}
.one{stroke:#d62728;stroke-dasharray:5 3;stroke-width:1.5}.onet{font-size:10px;fill:#d62728}.n{font-size:11px;fill:#333}
</style>
<rect width="100%" height="100%" fill="white"/>
<text x="${LEFT}" y="24" class="t">Keystonelight ${esc(m.keystonelight)} vs Redis ${esc(m.redis)} — ${esc(m.date.slice(0, 10))}</text>
<text x="${LEFT}" y="42" class="s">${esc(`${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB · Linux ${m.kernel} · Node ${m.node} · Redis ${m.redis}`)}</text>
<text x="${LEFT}" y="58" class="s">${esc(`redis-benchmark -c ${String(r.options.clients)}, medians of ${String(r.options.rounds)} alternating rounds · both servers: appendonly yes, appendfsync ${String(r.options.fsync)} (bars marked "always": appendfsync always), no RDB`)}</text>
${body.join('\n')}
${notes.map((t, i) => `<text x="${LEFT}" y="${y + i * 16}" class="n">${esc(t)}</text>`).join('\n')}
</svg>
`;
}

function footNotes(r: Results): string[] {
  const out: string[] = [];
  const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
  if (r.memory) {
    const p = r.memory.per;
    out.push(`Memory: ${r.memory.keys.toLocaleString('en-US')} keys, RSS per key 1.5 s after the load ours ${f(p.keystonelight.bytesPerKey)} B, redis ${f(p.redis.bytesPerKey)} B; longest PING while loading ours ${f(p.keystonelight.pingMaxMs)} ms, redis ${f(p.redis.pingMaxMs)} ms.`);
    const k = p.keystonelight.bytesPerKeySettled;
    const rd = p.redis.bytesPerKeySettled;
    if (k !== null && rd !== null && k !== undefined && rd !== undefined) {
      out.push(`At rest (lowest RSS of ${String(r.memory.settleSeconds)} s idle after the load): ours ${f(k)} B/key, redis ${f(rd)} B/key, ratio ${f(k / rd, 2)}.`);
    }
  }
  if (r.load) {
    const p = r.load.per;
    out.push(`AOF load (${(r.load.aofBytes / 1048576).toFixed(0)} MB): spawn to PONG ours ${f(p.keystonelight.medianReady, 2)} s, redis ${f(p.redis.medianReady, 2)} s.`);
  }
  if (r.rewrite) {
    for (const k of ['keystonelight', 'redis'] as const) {
      const x = r.rewrite[k];
      if ('error' in x) continue;
      out.push(`Rewrite under load, ${k}: ${f(x.during.rewriteSeconds, 2)} s, p99 ${f(x.baseline.p99Ms, 2)} -> ${f(x.during.p99Ms, 2)} ms, longest PING round trip ${f(x.baseline.ping.maxMs)} -> ${f(x.during.ping.maxMs)} ms; keyspace growth run: max latency ${f(x.warmup.maxMs)} ms.`);
    }
  }
  return out;
}
