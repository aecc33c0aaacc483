{{- define "palimpsest.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "palimpsest.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "palimpsest.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "palimpsest.serviceAccountName" -}}
{{- default (include "palimpsest.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{/*
The operator image's tag, always a string: a whole number (`--set operator.image.tag=2`, or `tag: 2` in a
values file, which Helm reads as a float) is written as its digits; 0 is a tag too, not "unset".
*/}}
{{- define "palimpsest.operatorImageTag" -}}
{{- $tag := .Values.operator.image.tag -}}
{{- if or (kindIs "invalid" $tag) (kindIs "string" $tag) -}}
{{- default .Chart.AppVersion $tag -}}
{{- else if kindIs "float64" $tag -}}
{{- int64 $tag | toString -}}
{{- else -}}
{{- toString $tag -}}
{{- end -}}
{{- end -}}

{{- define "palimpsest.workerImage" -}}
{{- default (printf "ghcr.io/palimpsest/worker:%s" .Chart.AppVersion) .Values.worker.image -}}
{{- end -}}

{{/* The Service that reaches the operator's health endpoints: the metrics Service, else the health one. */}}
{{- define "palimpsest.healthService" -}}
{{- if .Values.metrics.enabled -}}
{{- include "palimpsest.fullname" . }}-metrics
{{- else -}}
{{- include "palimpsest.fullname" . }}-health
{{- end -}}
{{- end -}}
