package k8s

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Object is one Kubernetes resource in the lean typed model the checks read. It holds only the
// fields a check looks at, with the API's own JSON names, so the same struct decodes a manifest
// from YAML (with positions) and an AdmissionReview's object from JSON (without). Kind-specific
// parts share one Spec: the API's kinds do not reuse a spec field name with a different shape,
// except the ones this model leaves out on purpose (spec.selector).
type Object struct {
	APIVersion string     `json:"apiVersion,omitempty" yaml:"apiVersion"`
	Kind       string     `json:"kind,omitempty" yaml:"kind"`
	Metadata   ObjectMeta `json:"metadata" yaml:"metadata"`
	Spec       Spec       `json:"spec" yaml:"spec"`

	// Role and ClusterRole.
	Rules []PolicyRule `json:"rules,omitempty" yaml:"rules"`
	// RoleBinding and ClusterRoleBinding.
	RoleRef  RoleRef   `json:"roleRef" yaml:"roleRef"`
	Subjects []Subject `json:"subjects,omitempty" yaml:"subjects"`
	// Secret and ConfigMap.
	Type       string            `json:"type,omitempty" yaml:"type"`
	Data       map[string]string `json:"data,omitempty" yaml:"data"`
	StringData map[string]string `json:"stringData,omitempty" yaml:"stringData"`
	// ServiceAccount.
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken,omitempty" yaml:"automountServiceAccountToken"`
}

// ObjectMeta is the part of metadata the checks use.
type ObjectMeta struct {
	Name        string            `json:"name,omitempty" yaml:"name"`
	Namespace   string            `json:"namespace,omitempty" yaml:"namespace"`
	Labels      map[string]string `json:"labels,omitempty" yaml:"labels"`
	Annotations map[string]string `json:"annotations,omitempty" yaml:"annotations"`
}

// Spec is the union of the spec fields of every kind the checks read.
type Spec struct {
	PodSpec `yaml:",inline"`

	// Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job.
	Template *PodTemplate `json:"template,omitempty" yaml:"template"`
	// CronJob.
	JobTemplate *JobTemplate `json:"jobTemplate,omitempty" yaml:"jobTemplate"`

	// Service.
	Type        string        `json:"type,omitempty" yaml:"type"`
	Ports       []ServicePort `json:"ports,omitempty" yaml:"ports"`
	ExternalIPs []string      `json:"externalIPs,omitempty" yaml:"externalIPs"`

	// Ingress.
	TLS   []IngressTLS  `json:"tls,omitempty" yaml:"tls"`
	Rules []IngressRule `json:"rules,omitempty" yaml:"rules"`

	// NetworkPolicy.
	PodSelector *LabelSelector      `json:"podSelector,omitempty" yaml:"podSelector"`
	PolicyTypes []string            `json:"policyTypes,omitempty" yaml:"policyTypes"`
	Ingress     []NetworkPolicyRule `json:"ingress,omitempty" yaml:"ingress"`
	Egress      []NetworkPolicyRule `json:"egress,omitempty" yaml:"egress"`
}

// PodTemplate is a workload's pod template.
type PodTemplate struct {
	Metadata ObjectMeta `json:"metadata" yaml:"metadata"`
	Spec     PodSpec    `json:"spec" yaml:"spec"`
}

// JobTemplate is a CronJob's job template.
type JobTemplate struct {
	Spec struct {
		Template *PodTemplate `json:"template,omitempty" yaml:"template"`
	} `json:"spec" yaml:"spec"`
}

// PodSpec is the part of a pod spec the checks use.
type PodSpec struct {
	Containers                   []Container         `json:"containers,omitempty" yaml:"containers"`
	InitContainers               []Container         `json:"initContainers,omitempty" yaml:"initContainers"`
	EphemeralContainers          []Container         `json:"ephemeralContainers,omitempty" yaml:"ephemeralContainers"`
	Volumes                      []Volume            `json:"volumes,omitempty" yaml:"volumes"`
	HostNetwork                  bool                `json:"hostNetwork,omitempty" yaml:"hostNetwork"`
	HostPID                      bool                `json:"hostPID,omitempty" yaml:"hostPID"`
	HostIPC                      bool                `json:"hostIPC,omitempty" yaml:"hostIPC"`
	ShareProcessNamespace        bool                `json:"shareProcessNamespace,omitempty" yaml:"shareProcessNamespace"`
	SecurityContext              *PodSecurityContext `json:"securityContext,omitempty" yaml:"securityContext"`
	ServiceAccountName           string              `json:"serviceAccountName,omitempty" yaml:"serviceAccountName"`
	AutomountServiceAccountToken *bool               `json:"automountServiceAccountToken,omitempty" yaml:"automountServiceAccountToken"`
}

// Container is the part of a container the checks use.
type Container struct {
	Name            string           `json:"name,omitempty" yaml:"name"`
	Image           string           `json:"image,omitempty" yaml:"image"`
	ImagePullPolicy string           `json:"imagePullPolicy,omitempty" yaml:"imagePullPolicy"`
	Command         []string         `json:"command,omitempty" yaml:"command"`
	Args            []string         `json:"args,omitempty" yaml:"args"`
	Ports           []ContainerPort  `json:"ports,omitempty" yaml:"ports"`
	Env             []EnvVar         `json:"env,omitempty" yaml:"env"`
	EnvFrom         []EnvFromSource  `json:"envFrom,omitempty" yaml:"envFrom"`
	Resources       Resources        `json:"resources" yaml:"resources"`
	SecurityContext *SecurityContext `json:"securityContext,omitempty" yaml:"securityContext"`
	LivenessProbe   *Probe           `json:"livenessProbe,omitempty" yaml:"livenessProbe"`
	ReadinessProbe  *Probe           `json:"readinessProbe,omitempty" yaml:"readinessProbe"`
	VolumeMounts    []VolumeMount    `json:"volumeMounts,omitempty" yaml:"volumeMounts"`
}

// Probe records that a probe is declared; its handler is not checked.
type Probe struct {
	InitialDelaySeconds int32 `json:"initialDelaySeconds,omitempty" yaml:"initialDelaySeconds"`
}

// ContainerPort is one container port.
type ContainerPort struct {
	Name          string `json:"name,omitempty" yaml:"name"`
	ContainerPort int32  `json:"containerPort,omitempty" yaml:"containerPort"`
	HostPort      int32  `json:"hostPort,omitempty" yaml:"hostPort"`
	HostIP        string `json:"hostIP,omitempty" yaml:"hostIP"`
}

// EnvVar is one environment variable.
type EnvVar struct {
	Name      string        `json:"name,omitempty" yaml:"name"`
	Value     string        `json:"value,omitempty" yaml:"value"`
	ValueFrom *EnvVarSource `json:"valueFrom,omitempty" yaml:"valueFrom"`
}

// EnvVarSource says where a variable's value comes from.
type EnvVarSource struct {
	SecretKeyRef    *KeyRef `json:"secretKeyRef,omitempty" yaml:"secretKeyRef"`
	ConfigMapKeyRef *KeyRef `json:"configMapKeyRef,omitempty" yaml:"configMapKeyRef"`
}

// KeyRef points at one key of a Secret or ConfigMap.
type KeyRef struct {
	Name string `json:"name,omitempty" yaml:"name"`
	Key  string `json:"key,omitempty" yaml:"key"`
}

// EnvFromSource imports a whole Secret or ConfigMap as environment.
type EnvFromSource struct {
	SecretRef    *KeyRef `json:"secretRef,omitempty" yaml:"secretRef"`
	ConfigMapRef *KeyRef `json:"configMapRef,omitempty" yaml:"configMapRef"`
}

// Resources are a container's requests and limits, by resource name.
type Resources struct {
	Requests map[string]Quantity `json:"requests,omitempty" yaml:"requests"`
	Limits   map[string]Quantity `json:"limits,omitempty" yaml:"limits"`
}

// Quantity is a resource quantity kept as written ("500m", "1Gi", 2).
type Quantity string

// UnmarshalJSON accepts a quantity as a JSON string or number, as the API server does.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*q = Quantity(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("quantity %s: want a string or a number", b)
	}
	*q = Quantity(n)
	return nil
}

// SecurityContext is a container's security context.
type SecurityContext struct {
	Privileged               *bool           `json:"privileged,omitempty" yaml:"privileged"`
	AllowPrivilegeEscalation *bool           `json:"allowPrivilegeEscalation,omitempty" yaml:"allowPrivilegeEscalation"`
	ReadOnlyRootFilesystem   *bool           `json:"readOnlyRootFilesystem,omitempty" yaml:"readOnlyRootFilesystem"`
	RunAsNonRoot             *bool           `json:"runAsNonRoot,omitempty" yaml:"runAsNonRoot"`
	RunAsUser                *int64          `json:"runAsUser,omitempty" yaml:"runAsUser"`
	RunAsGroup               *int64          `json:"runAsGroup,omitempty" yaml:"runAsGroup"`
	Capabilities             *Capabilities   `json:"capabilities,omitempty" yaml:"capabilities"`
	ProcMount                string          `json:"procMount,omitempty" yaml:"procMount"`
	SeccompProfile           *Profile        `json:"seccompProfile,omitempty" yaml:"seccompProfile"`
	AppArmorProfile          *Profile        `json:"appArmorProfile,omitempty" yaml:"appArmorProfile"`
	SELinuxOptions           *SELinuxOptions `json:"seLinuxOptions,omitempty" yaml:"seLinuxOptions"`
	WindowsOptions           *WindowsOptions `json:"windowsOptions,omitempty" yaml:"windowsOptions"`
}

// PodSecurityContext is a pod's security context.
type PodSecurityContext struct {
	RunAsNonRoot    *bool           `json:"runAsNonRoot,omitempty" yaml:"runAsNonRoot"`
	RunAsUser       *int64          `json:"runAsUser,omitempty" yaml:"runAsUser"`
	RunAsGroup      *int64          `json:"runAsGroup,omitempty" yaml:"runAsGroup"`
	FSGroup         *int64          `json:"fsGroup,omitempty" yaml:"fsGroup"`
	SeccompProfile  *Profile        `json:"seccompProfile,omitempty" yaml:"seccompProfile"`
	AppArmorProfile *Profile        `json:"appArmorProfile,omitempty" yaml:"appArmorProfile"`
	SELinuxOptions  *SELinuxOptions `json:"seLinuxOptions,omitempty" yaml:"seLinuxOptions"`
	WindowsOptions  *WindowsOptions `json:"windowsOptions,omitempty" yaml:"windowsOptions"`
	Sysctls         []Sysctl        `json:"sysctls,omitempty" yaml:"sysctls"`
}

// Capabilities are the Linux capabilities added to and dropped from a container.
type Capabilities struct {
	Add  []string `json:"add,omitempty" yaml:"add"`
	Drop []string `json:"drop,omitempty" yaml:"drop"`
}

// Profile is a seccomp or AppArmor profile reference.
type Profile struct {
	Type             string `json:"type,omitempty" yaml:"type"`
	LocalhostProfile string `json:"localhostProfile,omitempty" yaml:"localhostProfile"`
}

// SELinuxOptions are the SELinux labels applied to a container.
type SELinuxOptions struct {
	User  string `json:"user,omitempty" yaml:"user"`
	Role  string `json:"role,omitempty" yaml:"role"`
	Type  string `json:"type,omitempty" yaml:"type"`
	Level string `json:"level,omitempty" yaml:"level"`
}

// WindowsOptions are the Windows-specific security settings.
type WindowsOptions struct {
	HostProcess *bool `json:"hostProcess,omitempty" yaml:"hostProcess"`
}

// Sysctl is one namespaced kernel parameter set for a pod.
type Sysctl struct {
	Name  string `json:"name,omitempty" yaml:"name"`
	Value string `json:"value,omitempty" yaml:"value"`
}

// Volume is one pod volume. Source holds every key besides name so the volume type is known
// without modelling all of them.
type Volume struct {
	Name     string          `json:"name,omitempty" yaml:"name"`
	HostPath *HostPathSource `json:"hostPath,omitempty" yaml:"hostPath"`
	// Types lists the volume's source keys ("hostPath", "nfs", …), filled by the decoder.
	Types []string `json:"-" yaml:"-"`
}

// HostPathSource is a hostPath volume.
type HostPathSource struct {
	Path string `json:"path,omitempty" yaml:"path"`
	Type string `json:"type,omitempty" yaml:"type"`
}

// VolumeMount mounts a volume into a container.
type VolumeMount struct {
	Name      string `json:"name,omitempty" yaml:"name"`
	MountPath string `json:"mountPath,omitempty" yaml:"mountPath"`
	ReadOnly  bool   `json:"readOnly,omitempty" yaml:"readOnly"`
}

// ServicePort is one port of a Service.
type ServicePort struct {
	Name     string `json:"name,omitempty" yaml:"name"`
	Port     int32  `json:"port,omitempty" yaml:"port"`
	NodePort int32  `json:"nodePort,omitempty" yaml:"nodePort"`
}

// IngressTLS is one TLS block of an Ingress.
type IngressTLS struct {
	Hosts      []string `json:"hosts,omitempty" yaml:"hosts"`
	SecretName string   `json:"secretName,omitempty" yaml:"secretName"`
}

// IngressRule is one host rule of an Ingress.
type IngressRule struct {
	Host string `json:"host,omitempty" yaml:"host"`
}

// LabelSelector selects objects by labels.
type LabelSelector struct {
	MatchLabels      map[string]string          `json:"matchLabels,omitempty" yaml:"matchLabels"`
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions,omitempty" yaml:"matchExpressions"`
}

// LabelSelectorRequirement is one set-based selector term.
type LabelSelectorRequirement struct {
	Key      string   `json:"key" yaml:"key"`
	Operator string   `json:"operator" yaml:"operator"`
	Values   []string `json:"values,omitempty" yaml:"values"`
}

// NetworkPolicyRule is one ingress or egress rule; From and To are the peers.
type NetworkPolicyRule struct {
	From  []NetworkPolicyPeer `json:"from,omitempty" yaml:"from"`
	To    []NetworkPolicyPeer `json:"to,omitempty" yaml:"to"`
	Ports []map[string]any    `json:"ports,omitempty" yaml:"ports"`
}

// NetworkPolicyPeer is one allowed peer.
type NetworkPolicyPeer struct {
	PodSelector       *LabelSelector `json:"podSelector,omitempty" yaml:"podSelector"`
	NamespaceSelector *LabelSelector `json:"namespaceSelector,omitempty" yaml:"namespaceSelector"`
	IPBlock           *IPBlock       `json:"ipBlock,omitempty" yaml:"ipBlock"`
}

// IPBlock is a CIDR peer.
type IPBlock struct {
	CIDR   string   `json:"cidr" yaml:"cidr"`
	Except []string `json:"except,omitempty" yaml:"except"`
}

// PolicyRule is one RBAC rule.
type PolicyRule struct {
	APIGroups       []string `json:"apiGroups,omitempty" yaml:"apiGroups"`
	Resources       []string `json:"resources,omitempty" yaml:"resources"`
	ResourceNames   []string `json:"resourceNames,omitempty" yaml:"resourceNames"`
	Verbs           []string `json:"verbs,omitempty" yaml:"verbs"`
	NonResourceURLs []string `json:"nonResourceURLs,omitempty" yaml:"nonResourceURLs"`
}

// RoleRef names the role a binding grants.
type RoleRef struct {
	APIGroup string `json:"apiGroup,omitempty" yaml:"apiGroup"`
	Kind     string `json:"kind,omitempty" yaml:"kind"`
	Name     string `json:"name,omitempty" yaml:"name"`
}

// Subject is who a binding grants a role to.
type Subject struct {
	Kind      string `json:"kind,omitempty" yaml:"kind"`
	Name      string `json:"name,omitempty" yaml:"name"`
	Namespace string `json:"namespace,omitempty" yaml:"namespace"`
}

// UnmarshalYAML decodes a volume and records which source keys it has.
func (v *Volume) UnmarshalYAML(n *yaml.Node) error {
	type plain Volume
	if err := n.Decode((*plain)(v)); err != nil {
		return err
	}
	v.Types = v.Types[:0]
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; k != "name" {
				v.Types = append(v.Types, k)
			}
		}
	}
	return nil
}

// UnmarshalJSON decodes a volume and records which source keys it has.
func (v *Volume) UnmarshalJSON(b []byte) error {
	type plain Volume
	if err := json.Unmarshal(b, (*plain)(v)); err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	v.Types = v.Types[:0]
	for k := range keys {
		if k != "name" {
			v.Types = append(v.Types, k)
		}
	}
	slices.Sort(v.Types)
	return nil
}
