// Validates each rendered object of a known kind against its JSON schema (kubernetes-models 4.5.1:
// the Kubernetes 1.33 API; @kubernetes-models/prometheus-operator 4.4.4: the Prometheus Operator's
// CRDs). Other kinds are skipped.
const fs = require('fs');
const yaml = require('js-yaml');
const models = {
  'v1/ServiceAccount': require('kubernetes-models/v1/ServiceAccount').ServiceAccount,
  'v1/Service': require('kubernetes-models/v1/Service').Service,
  'v1/Pod': require('kubernetes-models/v1/Pod').Pod,
  'v1/ConfigMap': require('kubernetes-models/v1/ConfigMap').ConfigMap,
  'v1/PersistentVolumeClaim': require('kubernetes-models/v1/PersistentVolumeClaim').PersistentVolumeClaim,
  'apps/v1/Deployment': require('kubernetes-models/apps/v1/Deployment').Deployment,
  'batch/v1/Job': require('kubernetes-models/batch/v1/Job').Job,
  'policy/v1/PodDisruptionBudget': require('kubernetes-models/policy/v1/PodDisruptionBudget').PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/ClusterRole': require('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole').ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': require('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding').ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': require('kubernetes-models/rbac.authorization.k8s.io/v1/Role').Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': require('kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding').RoleBinding,
  // The Prometheus Operator's kinds, from its CRD schemas.
  'monitoring.coreos.com/v1/PodMonitor': require('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor').PodMonitor,
  'monitoring.coreos.com/v1/ServiceMonitor': require('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor').ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': require('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule').PrometheusRule,
};
let checked = 0, failed = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8'))) {
    if (!doc) continue;
    const Model = models[`${doc.apiVersion}/${doc.kind}`];
    if (!Model) continue;
    try {
      new Model(doc).validate();
      checked++;
    } catch (e) {
      failed++;
      console.error(`${file}: ${doc.kind}/${doc.metadata && doc.metadata.name}: ${e.message}`);
    }
  }
}
console.log(`validated ${checked} objects, ${failed} invalid`);
process.exit(failed === 0 && checked > 0 ? 0 : 1);
