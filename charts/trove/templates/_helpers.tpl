{{/* Names and labels. */}}
{{- define "trove.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "trove.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "trove.operatorName" -}}
{{- printf "%s-operator" (include "trove.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "trove.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "trove.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "trove.operatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "trove.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "trove.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (include "trove.operatorName" .) .Values.operator.serviceAccount.name }}
{{- else }}
{{- required "operator.serviceAccount.name is required when operator.serviceAccount.create=false" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
image: (dict "root" $ "image" .Values.x.image). A digest pins the image and
wins over the tag; without either, the tag is the chart's appVersion.
*/}}
{{- define "trove.image" -}}
{{- $repository := .image.repository }}
{{- if .root.Values.imageRegistry }}
{{- $repository = printf "%s/%s" (trimSuffix "/" .root.Values.imageRegistry) .image.repository }}
{{- end }}
{{- if .image.digest }}
{{- printf "%s@%s" $repository .image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}
{{- end }}

{{/* imagePullPolicy: (dict "root" $ "image" .Values.x.image); the image's own, else the chart-wide one. */}}
{{- define "trove.imagePullPolicy" -}}
{{- default .root.Values.imagePullPolicy .image.pullPolicy }}
{{- end }}

{{/* The imagePullSecrets list of every pod the chart creates; empty when none are set. */}}
{{- define "trove.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Namespaces the operator watches ("" = all, cluster mode). */}}
{{- define "trove.watchNamespaces" -}}
{{- if eq .Values.operator.watch.mode "namespaced" }}
{{- if not .Values.operator.watch.namespaces }}
{{- fail "operator.watch.mode=namespaced needs operator.watch.namespaces (a non-empty list)" }}
{{- end }}
{{- join "," (uniq .Values.operator.watch.namespaces) }}
{{- end }}
{{- end }}

{{/*
"true" when the operator creates and rotates the admin-token Secrets
(--manage-admin-tokens), "" otherwise: the chart provides the token itself
when the operator is off, since nothing else would.
*/}}
{{- define "trove.adminTokenByOperator" -}}
{{- if and .Values.adminToken.create .Values.adminToken.operatorManaged .Values.operator.enabled }}true{{ end }}
{{- end }}

{{/* Namespaces that get the admin-token Secret, one per line. */}}
{{- define "trove.adminTokenNamespaces" -}}
{{- $namespaces := list .Release.Namespace }}
{{- if eq .Values.operator.watch.mode "namespaced" }}
{{- $namespaces = concat $namespaces .Values.operator.watch.namespaces }}
{{- end }}
{{- $namespaces = concat $namespaces .Values.adminToken.extraNamespaces }}
{{- join "\n" (uniq $namespaces) }}
{{- end }}

{{/*
Native sidecar or plain container. Native sidecars (initContainers with
restartPolicy: Always) start before and stop after the app containers; they
are on by default from Kubernetes 1.29 (SidecarContainers beta).
*/}}
{{- define "trove.sidecarIsNative" -}}
{{- $native := .Values.sidecar.native }}
{{- if eq (toString $native) "auto" }}
{{- if semverCompare ">=1.29.0-0" .Capabilities.KubeVersion.Version }}true{{ end }}
{{- else if eq (toString $native) "true" }}true
{{- end }}
{{- end }}

{{/* The sidecar container itself. Argument: the root context. */}}
{{- define "trove.sidecarContainer" -}}
{{- $s := .Values.sidecar -}}
- name: trove
  image: {{ include "trove.image" (dict "root" . "image" $s.image) }}
  imagePullPolicy: {{ include "trove.imagePullPolicy" (dict "root" . "image" $s.image) }}
  {{- if include "trove.sidecarIsNative" . }}
  restartPolicy: Always
  {{- end }}
  args:
    - --bind=0.0.0.0
    - --port={{ $s.dataPort }}
    - --ingest-bind=127.0.0.1
    - --ingest-port={{ $s.ingestPort }}
    - --admin-bind=0.0.0.0
    - --admin-port={{ $s.adminPort }}
    - --admin-token-file=/var/run/trove/admin-token/{{ .Values.adminToken.key }}
    - --arena-mib={{ $s.arenaMiB | int64 }}
    - --epoch-ms={{ $s.epochMillis | int64 }}
    - --max-boxes={{ $s.maxBoxes | int64 }}
    - --store-huge-pages={{ if $s.storeHugePages }}on{{ else }}off{{ end }}
    - --store-spill-mib={{ $s.storeSpillMiB | int64 }}
    - --max-data-bytes={{ $s.maxDataBytes | int64 }}
    {{- if $s.workers }}
    - --workers={{ $s.workers | int64 }}
    {{- end }}
    {{- if $s.state.enabled }}
    - --state-dir=/var/lib/trove/state
    - --ack={{ $s.state.ack }}
    {{- end }}
    {{- if $s.clientAuth.existingSecret }}
    - --client-auth-keys=/var/run/trove/client-auth/{{ $s.clientAuth.key }}
    - --client-auth-leeway-s={{ $s.clientAuth.leewaySeconds | int64 }}
    {{- end }}
    {{- with $s.clientAuth.audience }}
    - {{ printf "--client-auth-audience=%s" . | quote }}
    {{- end }}
    {{- with $s.clientAuth.issuer }}
    - {{ printf "--client-auth-issuer=%s" . | quote }}
    {{- end }}
    {{- with $s.allowedOrigins }}
    - {{ printf "--allowed-origins=%s" (join "," .) | quote }}
    {{- end }}
    {{- range $s.extraArgs }}
    - {{ . | quote }}
    {{- end }}
  ports:
    - name: trove-data
      containerPort: {{ $s.dataPort }}
      protocol: TCP
    - name: trove-admin
      containerPort: {{ $s.adminPort }}
      protocol: TCP
  {{- if include "trove.sidecarIsNative" . }}
  # A native sidecar holds back the app containers until it is ready.
  startupProbe:
    httpGet:
      path: /readyz
      port: trove-admin
    periodSeconds: 1
    failureThreshold: 30
  {{- end }}
  readinessProbe:
    httpGet:
      path: /readyz
      port: trove-admin
    periodSeconds: 5
  livenessProbe:
    httpGet:
      path: /healthz
      port: trove-admin
    periodSeconds: 10
    failureThreshold: 3
  lifecycle:
    preStop:
      exec:
        command:
          - /bin/bash
          - -c
          - |
            {{- .Files.Get "files/drain.sh" | nindent 12 }}
  env:
    - name: TROVE_ADMIN_PORT
      value: {{ $s.adminPort | quote }}
    - name: TROVE_TOKEN_FILE
      value: /var/run/trove/admin-token/{{ .Values.adminToken.key }}
    - name: DRAIN_SECONDS
      value: {{ $s.drainSeconds | quote }}
    {{- with $s.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  resources:
    {{- toYaml $s.resources | nindent 4 }}
  securityContext:
    {{- toYaml (default .Values.securityContext $s.securityContext) | nindent 4 }}
  volumeMounts:
    - name: trove-admin-token
      mountPath: /var/run/trove/admin-token
      readOnly: true
    {{- if $s.state.enabled }}
    - name: trove-state
      mountPath: /var/lib/trove/state
    {{- end }}
    {{- if $s.clientAuth.existingSecret }}
    # The folder, not a subPath: a Secret update swaps its files in place.
    - name: trove-client-auth
      mountPath: /var/run/trove/client-auth
      readOnly: true
    {{- end }}
{{- end }}

{{/*
trove.sidecar: what a workload's pod template includes to carry the trove
sidecar. Call it once per pod-spec section, and it renders the right part:

  (dict "context" $ "section" "labels")          the pod labels the operator and the PodMonitor select on
  (dict "context" $ "section" "initContainers")  the sidecar, when it is native (Kubernetes >= 1.29)
  (dict "context" $ "section" "containers")      the sidecar, when it is a plain container
  (dict "context" $ "section" "volumes")         the admin-token volume, the state volume and the client-auth keys' one
  (dict "context" $ "section" "imagePullSecrets") the chart's imagePullSecrets, as the pod-spec key (or nothing)

"context" is the including chart's root context ($), from this chart or from
a parent chart that depends on trove. A parent's $ carries the parent's
.Values, .Chart and .Files; the sidecar needs trove's (its values, appVersion
and files/drain.sh), so it switches to the dependency's own context,
$.Subcharts.trove. A dependency with an alias adds "chart" "<alias>".

Sections that have nothing to add render nothing, so both container sections
can always be included.
*/}}
{{- define "trove.sidecar" -}}
{{- $root := .context }}
{{- $chart := default "trove" .chart }}
{{- if and $root.Subcharts (hasKey $root.Subcharts $chart) }}
{{- $root = index $root.Subcharts $chart }}
{{- else if .chart }}
{{- fail (printf "trove.sidecar: this chart has no dependency named %q (the \"chart\" key names trove's alias)" .chart) }}
{{- end }}
{{- if not ($root.Files.Get "files/drain.sh") }}
{{- fail "trove.sidecar: \"context\" is neither the trove chart nor a chart depending on it (an aliased dependency needs \"chart\" \"<alias>\")" }}
{{- end }}
{{- $native := include "trove.sidecarIsNative" $root }}
{{- if eq .section "labels" }}
{{- toYaml $root.Values.sidecar.podLabels }}
{{- else if eq .section "initContainers" }}
{{- if $native }}
{{- include "trove.sidecarContainer" $root }}
{{- end }}
{{- else if eq .section "containers" }}
{{- if not $native }}
{{- include "trove.sidecarContainer" $root }}
{{- end }}
{{- else if eq .section "volumes" -}}
- name: trove-admin-token
  secret:
    secretName: {{ $root.Values.adminToken.secretName }}
    defaultMode: 0444
    # The operator creates the Secret when it first tunes this namespace's
    # pods: until then the sidecar runs without the file (admin writes 403)
    # and reads it once the kubelet mounts it.
    optional: true
{{- with $root.Values.sidecar.state }}
{{- if .enabled }}
- name: trove-state
  {{- if .volume }}
  {{- toYaml .volume | nindent 2 }}
  {{- else }}
  emptyDir: {}
  {{- end }}
{{- end }}
{{- end }}
{{- with $root.Values.sidecar.clientAuth.existingSecret }}
- name: trove-client-auth
  secret:
    secretName: {{ . }}
    defaultMode: 0444
{{- end }}
{{- else if eq .section "imagePullSecrets" }}
{{- include "trove.imagePullSecrets" $root }}
{{- else }}
{{- fail (printf "trove.sidecar: unknown section %q (labels, initContainers, containers, volumes, imagePullSecrets)" .section) }}
{{- end }}
{{- end }}

{{/*
A regex as the body of a PromQL double-quoted string: backslashes and
quotes escaped.
*/}}
{{- define "trove.promqlString" -}}
{{- . | replace "\\" "\\\\" | replace "\"" "\\\"" }}
{{- end }}

{{/*
The job/namespace matchers that select this release's series in the alert
and recording rules; argument (dict "root" $ "role" "operator"|"sidecar").
Defaults follow the Prometheus Operator: a ServiceMonitor's targets get the
Service name as job, a PodMonitor's get "<its namespace>/<its name>".
*/}}
{{- define "trove.ruleMatchers" -}}
{{- $root := .root }}
{{- $selector := index $root.Values.monitoring.prometheusRule.selectors .role }}
{{- $job := $selector.job }}
{{- $namespace := $selector.namespace }}
{{- if eq .role "operator" }}
{{- $job = default (include "trove.operatorName" $root | regexQuoteMeta) $job }}
{{- $namespace = default ($root.Release.Namespace | regexQuoteMeta) $namespace }}
{{- else }}
{{- $job = default (printf "%s/%s-sidecars" $root.Release.Namespace (include "trove.fullname" $root) | regexQuoteMeta) $job }}
{{- if and (not $namespace) (eq $root.Values.operator.watch.mode "namespaced") }}
{{- $quoted := list }}
{{- range uniq $root.Values.operator.watch.namespaces }}
{{- $quoted = append $quoted (regexQuoteMeta .) }}
{{- end }}
{{- $namespace = join "|" $quoted }}
{{- end }}
{{- $namespace = default ".*" $namespace }}
{{- end }}
{{- printf "job=~\"%s\",namespace=~\"%s\"" (include "trove.promqlString" $job) (include "trove.promqlString" $namespace) }}
{{- end }}

{{/* The injection webhook's object names: Service, certificate Secret, configuration. */}}
{{- define "trove.webhookService" -}}
{{- printf "%s-webhook" (include "trove.operatorName" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "trove.webhookSecret" -}}
{{- printf "%s-webhook-tls" (include "trove.operatorName" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "trove.webhookConfiguration" -}}
{{- printf "%s-%s-inject" (include "trove.operatorName" .) .Release.Namespace | trunc 63 | trimSuffix "-" }}
{{- end }}
