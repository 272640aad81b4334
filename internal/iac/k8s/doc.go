// Package k8s checks Kubernetes manifests. It decodes YAML (multi-document, `kind: List`) or
// JSON into a lean typed model of the fields the checks read — the API's own field names, so an
// AdmissionReview object decodes into the same structs — while keeping every object's YAML nodes,
// so each finding points at the offending field's line, or at the container or pod spec a
// required setting is missing from.
//
// The checks cover every Pod Security Standards control at the baseline and restricted levels,
// resources, images, probes, credentials, RBAC, exposure, and network segmentation across files
// (checks marked Across judge a namespace by every NetworkPolicy found in it). Each check carries its own
// failing and passing examples, run by one table test. Secrets found in manifests appear only
// redacted.
package k8s
