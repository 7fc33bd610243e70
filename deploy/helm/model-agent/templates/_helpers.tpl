{{/*
Names are fixed, as OME's (the DaemonSet, its ServiceAccount and RBAC objects are all named after
ome-model-agent), so this chart replaces OME's model-agent and what watches those names keeps working.
*/}}
{{- define "model-agent.name" -}}ome-model-agent{{- end -}}
{{- define "model-agent.daemonSetName" -}}ome-model-agent-daemonset{{- end -}}

{{- define "model-agent.chart" -}}
{{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels: immutable once installed, so only the ones that never change. */}}
{{- define "model-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: ome-model-agent-daemonset
{{- end -}}

{{- define "model-agent.labels" -}}
{{ include "model-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "model-agent.chart" . }}
{{- end -}}

{{- define "model-agent.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/*
A token must never sit in the pod spec (kubectl get -o yaml shows it, and so does every audit log): refuse the
values that would put it there, naming the fix.
*/}}
{{- define "model-agent.refusePlainToken" -}}
{{- if hasKey .Values.hfToken "value" -}}
{{- fail "hfToken.value is refused: the chart takes the Hugging Face token only from a Secret. Create one (kubectl create secret generic hf-token -n <namespace> --from-literal=token=hf_...) and set hfToken.secretName=hf-token (hfToken.secretKey defaults to token)" -}}
{{- end -}}
{{- range .Values.extraEnv -}}
{{- if and (eq (.name | default "") "HF_TOKEN") (hasKey . "value") -}}
{{- fail "extraEnv HF_TOKEN with a plain value is refused: put the token in a Secret and set hfToken.secretName (and hfToken.secretKey)" -}}
{{- end -}}
{{- end -}}
{{- end -}}
