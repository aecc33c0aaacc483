// Checks that every metric name in the chart's alert rules and Grafana dashboard is one that something
// exports: the operator (Micrometer meter names in operator/src/main, exported as palimpsest_...),
// the worker (palimpsest_ families in worker-image/src/main), the model server (the simulator's
// metric list in model-sim/src/main, which follows vLLM's names), Prometheus itself (`up`), or a
// series docs/OPERATIONS.md lists as planned. A planned series that the code already exports fails
// too, so the table is kept in step with the code.
//   node metric-names.js check RENDERED.yaml   names in the rendered PrometheusRule and dashboard ConfigMap
//   node metric-names.js self-test             the PromQL name extraction against fixed cases
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');

const root = path.join(__dirname, '..', '..');

function javaFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...javaFiles(p));
    else if (entry.name.endsWith('.java')) out.push(p);
  }
  return out;
}

// name -> {type, from}; type is counter, gauge, histogram, summary, timer or unknown.
function exported() {
  const names = new Map();
  const add = (name, type, from) => { if (!names.has(name)) names.set(name, { type, from }); };
  // Operator: Micrometer meters. Dots become underscores; counters get _total, timers _seconds.
  for (const file of javaFiles(path.join(root, 'operator/src/main/java'))) {
    const rel = path.relative(root, file);
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      for (const m of line.matchAll(/"(palimpsest\.[a-z0-9_.]+)"/g)) {
        const base = m[1].replace(/\./g, '_');
        if (/Counter\.builder\(|\.counter\(/.test(line)) add(base + '_total', 'counter', rel);
        else if (/Timer\.builder\(|\.timer\(/.test(line)) add(base + '_seconds', 'timer', rel);
        else if (/DistributionSummary\.builder\(|\.summary\(/.test(line)) add(base, 'summary', rel);
        else add(base, 'gauge', rel);
      }
    }
  }
  // Worker: families declared with their type, else any palimpsest_ literal of unknown type.
  for (const file of javaFiles(path.join(root, 'worker-image/src/main/java'))) {
    const rel = path.relative(root, file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/family\(\s*\w+\s*,\s*"(palimpsest_[a-z0-9_]+)"\s*,\s*"(\w+)"/g)) add(m[1], m[2], rel);
    for (const m of text.matchAll(/"(palimpsest_[a-z0-9_]+)/g)) add(m[1], 'unknown', rel);
  }
  // Model server: the simulator's exposition, header by header.
  for (const file of javaFiles(path.join(root, 'model-sim/src/main/java'))) {
    const rel = path.relative(root, file);
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/header\(\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"\s*,\s*"(\w+)"/g)) add(m[1], m[2], rel);
  }
  // Prometheus writes `up` for every target it scrapes.
  add('up', 'gauge', 'Prometheus');
  return names;
}

// Rows of docs/OPERATIONS.md's metric table whose last column is `status` (planned or exported).
function documented(status) {
  const doc = fs.readFileSync(path.join(root, 'docs/OPERATIONS.md'), 'utf8');
  const names = new Map();
  for (const line of doc.split('\n')) {
    const row = line.match(/^\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\s*\|.*\|\s*(counter|gauge|histogram|summary)\s*\|[^|]*\|\s*(planned|exported)\s*\|\s*$/);
    if (row && row[3] === status) names.set(row[1], { type: row[2], from: `docs/OPERATIONS.md (${status})` });
  }
  return names;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'offset', 'bool', 'inf', 'nan', 'Inf', 'NaN']);

// Metric names in one PromQL expression (Grafana variables allowed).
function namesIn(expr) {
  const labelValues = expr.match(/^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/);
  if (labelValues) return [labelValues[1]];
  if (/^\s*label_values\(/.test(expr)) return [];
  let e = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const out = [];
  const token = /[0-9][0-9a-zA-Z.]*|([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g;
  let m;
  while ((m = token.exec(e)) !== null) {
    if (!m[1] || m[2] || KEYWORDS.has(m[1])) continue;
    out.push(m[1]);
  }
  return out;
}

// Whether a name used in an expression is a series of a known family.
function known(name, families) {
  const suffixes = { counter: [''], gauge: [''], histogram: ['_bucket', '_count', '_sum'],
    summary: ['', '_count', '_sum'], timer: ['_count', '_sum', '_max', '_bucket'],
    unknown: ['', '_total', '_bucket', '_count', '_sum'] };
  for (const [base, f] of families) {
    if (suffixes[f.type].some((s) => base + s === name)) return base;
  }
  return null;
}

// Expressions of the rendered PrometheusRules and dashboard ConfigMaps: [where, expr].
function expressions(file) {
  const out = [];
  const walk = (node, where) => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${where}[${i}]`));
    else if (node && typeof node === 'object') {
      if (typeof node.expr === 'string') out.push([`${where} ${node.legendFormat || ''}`.trim(), node.expr]);
      if (node.type === 'query' && typeof node.query === 'string') out.push([`${where} variable ${node.name}`, node.query]);
      for (const [k, v] of Object.entries(node)) if (k !== 'expr') walk(v, `${where}.${k}`);
    }
  };
  for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8'))) {
    if (!doc) continue;
    if (doc.kind === 'PrometheusRule') {
      for (const g of doc.spec.groups) for (const r of g.rules) out.push([`PrometheusRule ${r.alert || r.record}`, r.expr]);
    } else if (doc.kind === 'ConfigMap' && doc.data) {
      for (const [key, value] of Object.entries(doc.data)) {
        if (key.endsWith('.json')) walk(JSON.parse(value), `dashboard ${key}`);
      }
    }
  }
  return out;
}

function check(file) {
  const code = exported();
  const plan = documented('planned');
  let failed = 0;
  for (const [name] of documented('exported')) {
    if (!code.has(name) && !known(name, code)) { console.error(`docs/OPERATIONS.md lists ${name} as exported, but no source exports it`); failed++; }
  }
  // A planned family counts as exported once the code has it with the same type (or an unknown one:
  // a literal name whose type the parser cannot see); a summary planned to become a histogram stays planned.
  for (const [name, p] of plan) {
    const c = code.get(name) || code.get(name + '_total');
    if (c && (c.type === p.type || c.type === 'unknown')) {
      console.error(`docs/OPERATIONS.md lists ${name} as planned, but ${c.from} exports it: mark it exported`);
      failed++;
    }
  }
  const families = new Map([...code, ...plan]);
  const exprs = expressions(file);
  if (exprs.length === 0) { console.error(`${file}: no rule or dashboard expression found`); process.exit(1); }
  const used = new Set();
  for (const [where, expr] of exprs) {
    const names = namesIn(expr);
    if (names.length === 0 && !/^\s*label_values\(\s*\w+\s*\)/.test(expr)) {
      console.error(`${where}: no metric name in ${expr}`); failed++;
    }
    for (const name of names) {
      if (known(name, families)) used.add(name);
      else { console.error(`${where}: ${name} is exported by neither the operator, the worker, the model server nor the planned list`); failed++; }
    }
  }
  console.log(`metric names: ${exprs.length} expressions, ${used.size} distinct series, ${plan.size} planned, ${failed} problems`);
  process.exit(failed === 0 ? 0 : 1);
}

function selfTest() {
  const cases = [
    ['sum by (namespace, rewritejob) (rate(palimpsest_job_documents_total{outcome="rejected"}[15m])) > 0.2',
      ['palimpsest_job_documents_total']],
    ['max by (namespace, model) (palimpsest_model_replicas_ready) == 0 and on (namespace, model) (up offset 5m)',
      ['palimpsest_model_replicas_ready', 'up']],
    ['histogram_quantile(0.99, sum by (model, le) (rate(vllm:e2e_request_latency_seconds_bucket{model=~"$model"}[$__rate_interval])))',
      ['vllm:e2e_request_latency_seconds_bucket']],
    ['a / on (x) group_left (y) b * $capacity', ['a', 'b']],
    ['absent(up{job="x, y", namespace="ns"} == 1)', ['up']],
    ['label_values(palimpsest_job_phase{namespace=~"$namespace"}, rewritejob)', ['palimpsest_job_phase']],
    ['1e3 * 2 > bool 5', []],
  ];
  let failed = 0;
  for (const [expr, expected] of cases) {
    const got = namesIn(expr);
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      console.error(`namesIn(${expr}) = ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`); failed++;
    }
  }
  const families = new Map([['h', { type: 'histogram' }], ['s', { type: 'summary' }], ['c_total', { type: 'counter' }]]);
  for (const [name, ok] of [['h_bucket', true], ['h', false], ['s_bucket', false], ['s_count', true], ['c_total', true], ['c', false]]) {
    if (Boolean(known(name, families)) !== ok) { console.error(`known(${name}) should be ${ok}`); failed++; }
  }
  // The real sources must yield the families the chart depends on, so a parser that finds nothing fails here.
  const code = exported();
  for (const name of ['palimpsest_model_replicas_ready', 'palimpsest_model_reconciles_total', 'palimpsest_request_retries_total',
    'vllm:generation_tokens_total', 'vllm:e2e_request_latency_seconds']) {
    if (!code.has(name)) { console.error(`the sources no longer export ${name} (or the parser lost it)`); failed++; }
  }
  console.log(`metric names self-test: ${cases.length + 6 + 5} cases, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

const [mode, file] = process.argv.slice(2);
if (mode === 'check' && file) check(file);
else if (mode === 'self-test') selfTest();
else { console.error('usage: node metric-names.js check RENDERED.yaml | self-test'); process.exit(2); }
