// The chart grants what the operator uses, no more. Compares the rules of the operator's
// Roles/ClusterRole in rendered charts with the permissions its recorded requests needed
// (operator/target/rbac/used.txt, written by RbacFromRequestsTest during mvn verify). A grant no
// recorded request used must be listed, with its reason, in rbac-extras.txt (code paths the
// recording does not reach, e.g. server-side apply, which tests turn off); an entry there that the
// chart does not grant fails too.
//   node rbac-check.js <used.txt> <extras.txt> <rendered.yaml>...
const fs = require('fs');
const yaml = require('js-yaml');

const [usedFile, extrasFile, ...rendered] = process.argv.slice(2);
const lines = (f) => fs.readFileSync(f, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
const used = new Set(lines(usedFile));
const extras = new Set(lines(extrasFile).map((l) => l.split(/\s+/).slice(0, 3).join(' ')));

let failed = false;
for (const file of rendered) {
  const granted = new Set();
  for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8'))) {
    if (!doc || !['Role', 'ClusterRole'].includes(doc.kind)) continue;
    for (const rule of doc.rules || []) {
      for (const group of rule.apiGroups || []) {
        for (const resource of rule.resources || []) {
          for (const verb of rule.verbs || []) {
            granted.add(`${group === '' ? 'core' : group} ${resource} ${verb}`);
          }
        }
      }
    }
  }
  const report = (what, set) => {
    if (set.length) {
      failed = true;
      console.error(`${file}: ${what}:\n  ${set.join('\n  ')}`);
    }
  };
  report('used by the operator but not granted', [...used].filter((p) => !granted.has(p)).sort());
  report('granted but never used (remove it, or give the reason in helm/test/rbac-extras.txt)',
    [...granted].filter((p) => !used.has(p) && !extras.has(p)).sort());
  // A listed grant that a recording reached is fine (recordings differ with the order tests share an app in).
  report('listed in rbac-extras.txt but not granted', [...extras].filter((p) => !granted.has(p)).sort());
}
if (failed) process.exit(1);
console.log(`rbac: ${used.size} used + ${extras.size} listed extras = the grants of ${rendered.length} renders`);
