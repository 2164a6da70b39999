{{- define "tinhso.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tinhso.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tinhso.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "tinhso.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: web, worker, beat, migrate. */}}
{{- define "tinhso.selector" -}}
app.kubernetes.io/name: {{ include "tinhso.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "tinhso.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "tinhso.consoleHost" -}}
{{- .Values.province.consoleHost | default (printf "console.%s" .Values.province.baseDomain) -}}
{{- end -}}

{{/*
The environment every component shares. `.owner` adds the owner role's URL (migrations and
provisioning's DDL); `.statementTimeoutMs` is the component's own.
*/}}
{{- define "tinhso.env" -}}
{{- $v := .root.Values -}}
- name: BASE_DOMAIN
  value: {{ $v.province.baseDomain | quote }}
- name: CONSOLE_HOST
  value: {{ include "tinhso.consoleHost" .root | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $v.secrets.database.name }}
      key: {{ $v.secrets.database.runtimeUrlKey }}
{{- if .owner }}
- name: DATABASE_OWNER_URL
  valueFrom:
    secretKeyRef:
      name: {{ $v.secrets.database.name }}
      key: {{ $v.secrets.database.ownerUrlKey }}
{{- end }}
- name: DATABASE_CONN_MAX_AGE
  value: {{ $v.postgresql.connMaxAge | quote }}
- name: DATABASE_CONNECT_TIMEOUT
  value: {{ $v.postgresql.connectTimeout | quote }}
- name: DATABASE_STATEMENT_TIMEOUT_MS
  value: {{ .statementTimeoutMs | quote }}
- name: DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS
  value: {{ $v.postgresql.idleInTransactionTimeoutMs | quote }}
- name: CITUS_SCHEMA_SHARDING
  value: {{ ternary "1" "0" $v.postgresql.citus.enabled | quote }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $v.secrets.redis.name }}
      key: {{ $v.secrets.redis.urlKey }}
- name: REDIS_KEY_PREFIX
  value: {{ $v.redis.keyPrefix | quote }}
- name: S3_ENDPOINT_URL
  value: {{ $v.s3.endpointUrl | quote }}
- name: S3_REGION
  value: {{ $v.s3.region | quote }}
- name: S3_BUCKET
  value: {{ $v.s3.bucket | quote }}
- name: BACKUP_S3_BUCKET
  value: {{ $v.s3.backupBucket | quote }}
- name: S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ $v.secrets.s3.name }}
      key: {{ $v.secrets.s3.accessKeyIdKey }}
- name: S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $v.secrets.s3.name }}
      key: {{ $v.secrets.s3.secretAccessKeyKey }}
{{- range $name := list "SECRET_KEY" "HUB_KEY_SECRET" "BACKUP_KEYS" "METRICS_TOKEN" }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $v.secrets.app.name }}
      key: {{ $name }}
{{- end }}
# The previous SECRET_KEY while a rotation settles (README "Runbook"); absent most of the time.
- name: SECRET_KEY_FALLBACKS
  valueFrom:
    secretKeyRef:
      name: {{ $v.secrets.app.name }}
      key: SECRET_KEY_FALLBACKS
      optional: true
- name: TRUSTED_PROXIES
  value: {{ $v.web.trustedProxies | quote }}
- name: MIGRATION_PROCESSES
  value: {{ $v.migrations.processes | quote }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The writable folders of a read-only container. */}}
{{- define "tinhso.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: var
  mountPath: /var/lib/tinhso
{{- end -}}

{{- define "tinhso.volumes" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 256Mi
- name: var
  emptyDir:
    sizeLimit: 2Gi
{{- end -}}

{{/* What every pod spec shares: no API token, security, placement. */}}
{{- define "tinhso.podCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
