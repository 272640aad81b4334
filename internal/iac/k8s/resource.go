package k8s

import (
	"encoding/json"
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/palisade-sec/palisade/internal/iac/yamlpos"
)

// Path is a field path inside one object; see yamlpos.
type Path = yamlpos.Path

// Resource is one decoded Kubernetes object and where it came from.
type Resource struct {
	Object
	// File is the slash-separated path of the manifest, relative to the scan root.
	File string
	// node is the object's mapping node.
	node *yaml.Node
	// locate maps a line of rendered output (Helm, Kustomize) back to the source File.
	locate func(line int, key string) int
	// pod and containers are computed once (see index) so the many checks that walk a pod's
	// containers do not rebuild their paths; read-only afterwards.
	pod        Pod
	hasPod     bool
	containers []ContainerRef
}

// index computes the pod and container views of a decoded object.
func (r *Resource) index() {
	r.pod, r.hasPod = r.podView()
	if r.hasPod {
		r.containers = r.pod.containerRefs()
		r.pod.containers = r.containers
	}
}

// Namespace returns the object's namespace, "default" when it names none: that is where
// `kubectl apply` puts it unless told otherwise.
func (r *Resource) Namespace() string {
	if r.Metadata.Namespace == "" {
		return "default"
	}
	return r.Metadata.Namespace
}

// ID names the object as kind/namespace/name, for messages and fingerprints.
func (r *Resource) ID() string {
	return r.Kind + "/" + r.Metadata.Namespace + "/" + r.Metadata.Name
}

// Line returns the 1-based line of the field at p, or of its deepest ancestor present in the
// source when the field itself is missing (the container a required setting is missing from).
// It returns 0 for a Resource that was not parsed from source.
func (r *Resource) Line(p Path) int {
	line, key := yamlpos.Locate(r.node, p)
	if r.locate != nil && r.node != nil {
		return r.locate(line, key)
	}
	return line
}

// Map returns the object as generic JSON-like data (maps, slices, strings, numbers, booleans),
// the shape custom policies see as `object`.
func (r *Resource) Map() (map[string]any, error) {
	if r.node == nil {
		return nil, errors.New("object has no decoded source")
	}
	var m map[string]any
	if err := r.node.Decode(&m); err != nil {
		return nil, err
	}
	return normalise(m).(map[string]any), nil
}

// normalise turns YAML's decoded values into JSON's shapes: map keys as strings, integers as
// int64, so policies see the same data whichever format a manifest was written in.
func normalise(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalise(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[toString(k)] = normalise(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = normalise(e)
		}
		return t
	case int:
		return int64(t)
	case uint64:
		return int64(t)
	}
	return v
}

func toString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil { // a NaN or infinite number as a key: JSON has no spelling for it
		return fmt.Sprint(v)
	}
	return string(b)
}

// podPaths says where a workload kind carries its pod spec and pod metadata.
func podPaths(kind string) (spec, meta Path, ok bool) {
	switch kind {
	case "Pod":
		return Path{}.Field("spec"), Path{}.Field("metadata"), true
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
		"Rollout", "DeploymentConfig": // Argo Rollouts and OpenShift carry a Deployment-shaped template
		return Path{}.Field("spec", "template", "spec"), Path{}.Field("spec", "template", "metadata"), true
	case "CronJob":
		t := Path{}.Field("spec", "jobTemplate", "spec", "template")
		return t.Field("spec"), t.Field("metadata"), true
	}
	return nil, nil, false
}

// IsWorkload reports whether kind carries a pod spec.
func IsWorkload(kind string) bool {
	_, _, ok := podPaths(kind)
	return ok
}

// Pod is a workload's pod: its spec and metadata (the template's, for controllers), with the
// paths to both.
type Pod struct {
	Spec     *PodSpec
	Meta     *ObjectMeta
	SpecPath Path
	MetaPath Path

	containers []ContainerRef
}

// Pod returns the pod spec of a workload, and false for other kinds or a workload without a
// template.
func (r *Resource) Pod() (Pod, bool) {
	if r.hasPod {
		return r.pod, true
	}
	return r.podView()
}

func (r *Resource) podView() (Pod, bool) {
	spec, meta, ok := podPaths(r.Kind)
	if !ok {
		return Pod{}, false
	}
	pod := Pod{SpecPath: spec, MetaPath: meta}
	switch r.Kind {
	case "Pod":
		pod.Spec, pod.Meta = &r.Spec.PodSpec, &r.Metadata
	case "CronJob":
		if r.Spec.JobTemplate == nil || r.Spec.JobTemplate.Spec.Template == nil {
			return Pod{}, false
		}
		t := r.Spec.JobTemplate.Spec.Template
		pod.Spec, pod.Meta = &t.Spec, &t.Metadata
	default:
		if r.Spec.Template == nil {
			return Pod{}, false
		}
		pod.Spec, pod.Meta = &r.Spec.Template.Spec, &r.Spec.Template.Metadata
	}
	return pod, true
}

// ContainerRef is one container of a pod with its path.
type ContainerRef struct {
	*Container
	Path Path
	// SCPath is Path.securityContext.
	SCPath Path
	// Ephemeral is set for ephemeral (debug) containers, Init for init containers.
	Init, Ephemeral bool
}

// Containers lists every container of the pod: init, regular and ephemeral.
func (p Pod) Containers() []ContainerRef {
	if p.containers != nil {
		return p.containers
	}
	return p.containerRefs()
}

func (p Pod) containerRefs() []ContainerRef {
	out := []ContainerRef{}
	add := func(field string, cs []Container, init, eph bool) {
		for i := range cs {
			path := p.SpecPath.Field(field).Item(i, cs[i].Name)
			out = append(out, ContainerRef{Container: &cs[i], Path: path, SCPath: path.Field("securityContext"), Init: init, Ephemeral: eph})
		}
	}
	add("initContainers", p.Spec.InitContainers, true, false)
	add("containers", p.Spec.Containers, false, false)
	add("ephemeralContainers", p.Spec.EphemeralContainers, false, true)
	return out
}
