// Command-line options of `npm run bench` (see HELP). Defaults give the full side-by-side run,
// sized to finish in under 10 minutes on a 2-core machine.

export const ALL_TESTS = ['ping_inline', 'ping_mbulk', 'set', 'get', 'incr', 'mset'] as const;
/** Tests whose requests do not carry a value: running them at several -d sizes measures nothing new. */
export const SIZELESS = new Set(['ping_inline', 'ping_mbulk', 'incr']);

export interface Options {
  tests: string[];
  rounds: number;
  /** redis-benchmark -n at -P 1; pipelined runs use `requests * pipelinedFactor`. */
  requests: number;
  pipelinedFactor: number;
  clients: number;
  pipelines: number[];
  sizes: number[];
  fsync: 'always' | 'everysec' | 'no';
  /** Run `set` again with appendfsync always (both servers restarted). */
  always: boolean;
  keys: number;
  /** Throughput cells read and write random keys among this many (redis-benchmark -r); 0: one fixed key. */
  randomKeys: number;
  memory: boolean;
  /** Seconds to keep reading both servers' RSS after the load (the lowest is "at rest"); 0: no. */
  settle: number;
  load: boolean;
  rewrite: boolean;
  /** Requests of the redis-benchmark load that runs during the AOF rewrite. */
  rewriteRequests: number;
  /** 0: scale test off; else the number of keys. */
  scale: number;
  scaleRedis: boolean;
  outDir: string;
  quick: boolean;
  /** Node.js options for Keystonelight's process (e.g. --max-semi-space-size=1), recorded in the results. */
  nodeFlags: string[];
}

export const HELP = `npm run bench -- [options]     side-by-side benchmark: Keystonelight vs redis-server

  --quick               one round, tests ping_mbulk,set,get, fewer requests, 200,000 keys
  --only T1,T2          tests to run (${ALL_TESTS.join(',')})
  --rounds N            alternating rounds per cell and of the rewrite's runs without and with
                        a rewrite, medians reported (default 3)
  --requests N          redis-benchmark -n without pipelining (default 100000; pipelined: x10)
  --pipelines 1,16      -P values (default 1,16)
  --sizes 3,100         -d values (default 3,100)
  --clients N           -c (default 50)
  --fsync POLICY        appendfsync of the main matrix (default everysec)
  --skip-always         skip the 'set' runs with appendfsync always
  --random-keys N       throughput cells use random keys among N (redis-benchmark -r N; GET cells
                        first fill the keyspace with 3N random SETs); default 0: one fixed key
  --keys N              keys of the memory / load / rewrite dataset (default 1000000)
  --skip-memory         skip memory per key
  --settle S            after loading, watch both servers' RSS for S more seconds and report the
                        lowest as RSS at rest (default 60; 0 to skip; --quick: 0)
  --skip-load           skip AOF load time
  --skip-rewrite        skip the event-loop stall during BGREWRITEAOF
  --skip-throughput     skip the redis-benchmark matrix
  --scale [N]           also fill one database with N keys (default 50000000) and check it
  --scale-redis         in the scale test, also fill redis-server for comparison
  --out DIR             where latest.json / latest.svg go (default bench/results)
  --node-flags "F ..."  Node.js options for Keystonelight's process, e.g. "--max-semi-space-size=1"
  --no-build            (run.mjs) do not rebuild dist/ and the benchmark first
`;

function intArg(name: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < 0) throw new Error(`${name} needs a non-negative integer, got ${v ?? 'nothing'}`);
  return n;
}

function listArg(name: string, v: string | undefined): string[] {
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a comma-separated list`);
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function parseOptions(argv: readonly string[]): Options | 'help' {
  const o: Options = {
    tests: [...ALL_TESTS], rounds: 3, requests: 100000, pipelinedFactor: 10, clients: 50,
    pipelines: [1, 16], sizes: [3, 100], fsync: 'everysec', always: true, keys: 1000000, randomKeys: 0,
    memory: true, settle: 60, load: true, rewrite: true, rewriteRequests: 0, scale: 0, scaleRedis: false,
    outDir: 'bench/results', quick: false, nodeFlags: [],
  };
  const set = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string | undefined => argv[++i];
    set.add(a);
    switch (a) {
      case '--help': case '-h': return 'help';
      case '--quick': o.quick = true; break;
      case '--only': o.tests = listArg(a, next()); break;
      case '--rounds': o.rounds = Math.max(1, intArg(a, next())); break;
      case '--requests': o.requests = Math.max(1, intArg(a, next())); break;
      case '--pipelines': o.pipelines = listArg(a, next()).map((s) => intArg(a, s)); break;
      case '--sizes': o.sizes = listArg(a, next()).map((s) => intArg(a, s)); break;
      case '--clients': o.clients = Math.max(1, intArg(a, next())); break;
      case '--fsync': {
        const v = next();
        if (v !== 'always' && v !== 'everysec' && v !== 'no') throw new Error('--fsync: always, everysec or no');
        o.fsync = v;
        break;
      }
      case '--skip-always': o.always = false; break;
      case '--random-keys': o.randomKeys = intArg(a, next()); break;
      case '--keys': o.keys = Math.max(1, intArg(a, next())); break;
      case '--skip-memory': o.memory = false; break;
      case '--settle': o.settle = intArg(a, next()); break;
      case '--skip-load': o.load = false; break;
      case '--skip-rewrite': o.rewrite = false; break;
      case '--skip-throughput': o.tests = []; o.always = false; break;
      case '--scale': {
        const v = argv[i + 1];
        o.scale = v !== undefined && /^\d+$/.test(v) ? intArg(a, next()) : 50000000;
        break;
      }
      case '--scale-redis': o.scaleRedis = true; break;
      case '--out': o.outDir = next() ?? o.outDir; break;
      case '--node-flags': o.nodeFlags = (next() ?? '').split(' ').filter((f) => f !== ''); break;
      default: throw new Error(`unknown option ${a} (try --help)`);
    }
  }
  for (const t of o.tests) if (!(ALL_TESTS as readonly string[]).includes(t)) throw new Error(`unknown test ${t}`);
  if (o.quick) {
    // Explicit options still win over the quick defaults.
    if (!set.has('--rounds')) o.rounds = 1;
    if (!set.has('--only') && !set.has('--skip-throughput')) o.tests = ['ping_mbulk', 'set', 'get'];
    if (!set.has('--requests')) o.requests = 30000;
    if (!set.has('--keys')) o.keys = 200000;
    if (!set.has('--settle')) o.settle = 0;
  }
  if (o.rewriteRequests === 0) o.rewriteRequests = Math.max(50000, o.keys / 5);
  return o;
}
