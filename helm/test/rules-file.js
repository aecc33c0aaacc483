// Writes the groups of the PrometheusRule in a rendered chart as a plain Prometheus rules file,
// the form promtool checks and tests.
//   node rules-file.js RENDERED.yaml OUT.yaml
const fs = require('fs');
const yaml = require('js-yaml');

const [rendered, out] = process.argv.slice(2);
const rules = yaml.loadAll(fs.readFileSync(rendered, 'utf8')).filter((d) => d && d.kind === 'PrometheusRule');
if (rules.length !== 1) {
  console.error(`${rendered}: expected one PrometheusRule, found ${rules.length}`);
  process.exit(1);
}
fs.writeFileSync(out, yaml.dump({ groups: rules[0].spec.groups }));
