# A conftest-style policy in the older (v0) syntax, written for these tests.
package main

deny[msg] {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("deployment %s must set runAsNonRoot", [input.metadata.name])
}

warn[msg] {
	input.kind == "Service"
	input.spec.type == "NodePort"
	msg := "NodePort services are discouraged"
}
