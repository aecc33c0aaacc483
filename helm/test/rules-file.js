// Writes PromQL from a rendered chart as a plain Prometheus rules file, the form promtool checks
// and tests.
//   node rules-file.js rules RENDERED.yaml OUT.yaml       the groups of the PrometheusRule
//   node rules-file.js dashboard RENDERED.yaml OUT.yaml   every expression of the dashboard ConfigMap as a
//                                                         recording rule, Grafana variables replaced by
//                                                         sample values, so `promtool check rules` parses them
const fs = require('fs');
const yaml = require('js-yaml');

const [mode, rendered, out] = process.argv.slice(2);
const docs = yaml.loadAll(fs.readFileSync(rendered, 'utf8')).filter(Boolean);

function only(kind, pick) {
  const found = docs.filter(pick);
  if (found.length !== 1) {
    console.error(`${rendered}: expected one ${kind}, found ${found.length}`);
    process.exit(1);
  }
  return found[0];
}

if (mode === 'rules') {
  const rule = only('PrometheusRule', (d) => d.kind === 'PrometheusRule');
  fs.writeFileSync(out, yaml.dump({ groups: rule.spec.groups }));
} else if (mode === 'dashboard') {
  const cm = only('dashboard ConfigMap', (d) => d.kind === 'ConfigMap' && d.data && d.data['palimpsest.json']);
  const dashboard = JSON.parse(cm.data['palimpsest.json']);
  const variables = { __rate_interval: '5m', __interval: '1m', capacity: '2000' };
  const rules = [];
  const walk = (node, where) => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${where}_${i}`));
    else if (node && typeof node === 'object') {
      if (typeof node.expr === 'string') {
        const expr = node.expr.replace(/\$\{?(\w+)\}?/g, (all, name) => variables[name] ?? `$${name}`);
        rules.push({ record: `dashboard:${where}`.replace(/[^a-zA-Z0-9_:]/g, '_'), expr });
      }
      for (const [k, v] of Object.entries(node)) walk(v, `${where}_${k}`);
    }
  };
  walk(dashboard.panels, 'panels');
  if (rules.length === 0) { console.error('the dashboard has no expression'); process.exit(1); }
  fs.writeFileSync(out, yaml.dump({ groups: [{ name: 'dashboard', rules }] }));
} else {
  console.error('usage: node rules-file.js rules|dashboard RENDERED.yaml OUT.yaml');
  process.exit(2);
}
