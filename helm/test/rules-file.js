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
  // Every namespace, job and model: the expressions can be evaluated on test series (dashboard.test.yaml).
  const variables = { __rate_interval: '5m', __interval: '1m', capacity: '2000', namespace: '.*', rewritejob: '.*', model: '.*' };
  const rules = [];
  // A target's record is named after its panel and refId (dashboard:Documents_s_by_outcome:B), so
  // dashboard.test.yaml can evaluate what a panel shows.
  const names = new Set();
  const walk = (node, title) => {
    if (Array.isArray(node)) node.forEach((n) => walk(n, title));
    else if (node && typeof node === 'object') {
      const panel = typeof node.title === 'string' ? node.title : title;
      if (typeof node.expr === 'string') {
        const expr = node.expr.replace(/\$\{?(\w+)\}?/g, (all, name) => variables[name] ?? `$${name}`);
        let record = `dashboard:${panel}:${node.refId || 'A'}`.replace(/[^a-zA-Z0-9_:]/g, '_');
        for (let i = 2; names.has(record); i++) record = `${record.replace(/_\d+$/, '')}_${i}`;
        names.add(record);
        rules.push({ record, expr });
      }
      for (const v of Object.values(node)) walk(v, panel);
    }
  };
  walk(dashboard.panels, 'panel');
  if (rules.length === 0) { console.error('the dashboard has no expression'); process.exit(1); }
  fs.writeFileSync(out, yaml.dump({ groups: [{ name: 'dashboard', rules }] }));
} else {
  console.error('usage: node rules-file.js rules|dashboard RENDERED.yaml OUT.yaml');
  process.exit(2);
}
