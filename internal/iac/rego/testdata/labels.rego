# The same convention in Rego v1 syntax, with structured results.
package policies.labels

import rego.v1

violation contains result if {
	not input.metadata.labels.team
	result := {"msg": "missing team label", "id": "org-team-label", "severity": "low"}
}
