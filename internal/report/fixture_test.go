package report

import (
	"time"

	"github.com/palisade-sec/palisade/internal/finding"
)

// plantedSecret stands for a raw secret a scanner kept beside a finding under a sensitive
// property key. No writer may ever output it.
const plantedSecret = "ghp_PLANTEDsecretVALUE0123456789abcdef"

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err) // fixture constants only
	}
	return t
}

// fixtureRun is a scan with every severity, a history finding, one suppressed finding of each
// kind, a finding whose rule the run does not list, skips and problems. Findings are listed out of
// canonical order on purpose.
func fixtureRun() *Run {
	expires := date("2027-01-31T00:00:00Z")
	return &Run{
		Tool:     Tool{Name: "palisade", Version: "1.2.3", URI: "https://github.com/palisade-sec/palisade"},
		Target:   "/src/shop",
		Scanners: []string{"secret", "iac", "deps"},
		Started:  date("2026-11-23T07:00:00Z"),
		Finished: date("2026-11-23T07:00:02.5Z"),
		Rules: []finding.Rule{
			{
				ID: "k8s-privileged-container", Title: "Privileged container", Severity: finding.SeverityHigh,
				Description: "A privileged container has full access to the node's devices and kernel.",
				CWE:         []string{"CWE-250"}, Remediation: "Set securityContext.privileged to false.",
				References: []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/"},
				Tags:       []string{"CIS-K8s-5.2.1", "PSS-baseline"},
			},
			{
				ID: "aws-access-key", Title: "AWS access key ID", Severity: finding.SeverityCritical,
				Description: "An AWS access key ID is committed in source.",
				CWE:         []string{"CWE-798"}, Remediation: "Revoke the key in IAM and load credentials from the environment.",
				References: []string{"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"},
			},
			{
				ID: "github-pat", Title: "GitHub personal access token", Severity: finding.SeverityHigh,
				CWE: []string{"CWE-798"}, Remediation: "Revoke the token at github.com/settings/tokens.",
			},
			{ID: "go-vuln", Title: "Vulnerable Go module", Severity: finding.SeverityMedium, CWE: []string{"CWE-1395"}},
			{ID: "k8s-no-resource-limits", Title: "Container without resource limits", Severity: finding.SeverityLow, CWE: []string{"CWE-770"}},
			{ID: "k8s-default-namespace", Title: "Workload in the default namespace", Severity: finding.SeverityInfo},
		},
		Findings: []finding.Finding{
			{
				RuleID: "k8s-no-resource-limits", Title: "Container without resource limits", Severity: finding.SeverityLow,
				Confidence: finding.ConfidenceHigh, CWE: []string{"CWE-770"}, Scanner: "iac",
				Location:    finding.Location{Path: "deploy/api.yaml", StartLine: 18, StartColumn: 9, EndLine: 18, EndColumn: 20, Snippet: "- name: api"},
				Fingerprint: finding.Fingerprint("k8s-no-resource-limits", "deploy/api.yaml", "Deployment/api/api"),
			},
			{
				RuleID: "aws-access-key", Title: "AWS access key ID", Severity: finding.SeverityCritical,
				Confidence: finding.ConfidenceHigh, CWE: []string{"CWE-798"}, Scanner: "secret",
				Location: finding.Location{Path: "internal/config/config.go", StartLine: 12, StartColumn: 17, EndLine: 12, EndColumn: 37,
					Snippet: `	accessKey = "` + finding.Redact("AKIAIOSFODNN7EXAMPLE") + `"`},
				Fingerprint: finding.Fingerprint("aws-access-key", "internal/config/config.go", "AKIAIOSFODNN7EXAMPLE"),
				Remediation: "Revoke the key in IAM and load credentials from the environment.",
				Properties:  map[string]string{"entropy": "3.68", SensitivePropertyPrefix + "match": plantedSecret, "Sensitive.Raw": plantedSecret},
			},
			{
				RuleID: "github-pat", Title: "GitHub personal access token", Severity: finding.SeverityHigh,
				Confidence: finding.ConfidenceMedium, CWE: []string{"CWE-798"}, Scanner: "secret",
				Location: finding.Location{
					Path: "scripts/release.sh", StartLine: 4, StartColumn: 14, Snippet: "export TOKEN=" + finding.Redact(plantedSecret),
					Commit: &finding.Commit{
						Hash: "3f2a9c1d0b8e7f6a5c4d3e2f1a0b9c8d7e6f5a4b", Author: "Jane Doe", Email: "jane@example.com",
						Date: date("2025-03-14T09:26:53Z"), Message: "ci: release script",
					},
				},
				Fingerprint: finding.Fingerprint("github-pat", "scripts/release.sh", plantedSecret),
			},
			{
				RuleID: "k8s-privileged-container", Title: "Privileged container", Severity: finding.SeverityHigh,
				Confidence: finding.ConfidenceHigh, CWE: []string{"CWE-250"}, Scanner: "iac",
				Location:    finding.Location{Path: "deploy/api.yaml", StartLine: 24, StartColumn: 11, Snippet: "privileged: true"},
				Fingerprint: finding.Fingerprint("k8s-privileged-container", "deploy/api.yaml", "Deployment/api/api"),
				References:  []string{"https://kubernetes.io/docs/concepts/security/pod-security-standards/"},
			},
			{
				RuleID: "go-vuln", Title: "golang.org/x/net 0.17.0 has GO-2024-2687", Severity: finding.SeverityMedium,
				Confidence: finding.ConfidenceHigh, Scanner: "deps", CWE: []string{"CWE-1395"},
				Location:    finding.Location{Path: "go.mod", StartLine: 7},
				Fingerprint: finding.Fingerprint("go-vuln", "go.mod", "golang.org/x/net@GO-2024-2687"),
				Remediation: "Upgrade golang.org/x/net to 0.23.0 or later.",
				Properties:  map[string]string{"module": "golang.org/x/net", "fixed": "0.23.0"},
			},
			{
				RuleID: "k8s-default-namespace", Title: "Workload in the default namespace", Severity: finding.SeverityInfo,
				Scanner: "iac", Location: finding.Location{Path: "deploy/api.yaml"},
				Fingerprint: finding.Fingerprint("k8s-default-namespace", "deploy/api.yaml", "Deployment/api"),
			},
			{
				// A rule the run does not list: writers describe it from the finding.
				RuleID: "dockerfile-latest-tag", Title: "Base image uses the latest tag", Severity: finding.SeverityLow,
				Confidence: finding.ConfidenceLow, Scanner: "iac",
				Location:    finding.Location{Path: "build/app image/Dockerfile", StartLine: 1, StartColumn: 1, Snippet: "FROM golang:latest"},
				Fingerprint: finding.Fingerprint("dockerfile-latest-tag", "build/app image/Dockerfile", "golang:latest"),
			},
			{
				RuleID: "aws-access-key", Title: "AWS access key ID", Severity: finding.SeverityCritical,
				Confidence: finding.ConfidenceHigh, Scanner: "secret", CWE: []string{"CWE-798"},
				Location:    finding.Location{Path: "internal/config/config_test.go", StartLine: 30, StartColumn: 9, Snippet: `key := "` + finding.Redact("AKIAI44QH8DHBEXAMPLE") + `"`},
				Fingerprint: finding.Fingerprint("aws-access-key", "internal/config/config_test.go", "AKIAI44QH8DHBEXAMPLE"),
				Suppression: &finding.Suppression{Kind: finding.SuppressedInline, Reason: "AWS documentation example key", Source: "internal/config/config_test.go:30"},
			},
			{
				RuleID: "k8s-privileged-container", Title: "Privileged container", Severity: finding.SeverityHigh,
				Confidence: finding.ConfidenceHigh, Scanner: "iac",
				Location:    finding.Location{Path: "deploy/node-exporter.yaml", StartLine: 31, StartColumn: 11, Snippet: "privileged: true"},
				Fingerprint: finding.Fingerprint("k8s-privileged-container", "deploy/node-exporter.yaml", "DaemonSet/node-exporter/exporter"),
				Suppression: &finding.Suppression{Kind: finding.SuppressedIgnoreFile, Reason: "node exporter needs host access", Source: ".palisadeignore.yaml:7", Expires: &expires},
			},
			{
				RuleID: "go-vuln", Title: "golang.org/x/crypto 0.14.0 has GO-2023-2402", Severity: finding.SeverityMedium,
				Confidence: finding.ConfidenceHigh, Scanner: "deps",
				Location:    finding.Location{Path: "go.mod", StartLine: 6},
				Fingerprint: finding.Fingerprint("go-vuln", "go.mod", "golang.org/x/crypto@GO-2023-2402"),
				Suppression: &finding.Suppression{Kind: finding.SuppressedBaseline, Reason: "present in baseline", Source: "baseline.json"},
			},
		},
		Stats: Stats{
			FilesScanned: 214, BytesScanned: 1_873_114, Commits: 57,
			SkippedBy: map[string]int{finding.SkipGitignore: 40, finding.SkipBinary: 3, finding.SkipTooLarge: 1, finding.SkipDefault: 12},
		},
		Skipped: []finding.Skip{
			{Path: "assets/logo.png", Reason: finding.SkipBinary},
			{Path: "testdata/big.json", Reason: finding.SkipTooLarge},
		},
		Problems: []finding.Problem{
			{Path: "deploy/broken.yaml", Line: 9, Scanner: "iac", Message: "parse YAML: mapping values are not allowed in this context"},
			{Scanner: "deps", Message: "vulnerability database is 9 days old"},
		},
	}
}

// emptyRun is a scan that found nothing and had no trouble.
func emptyRun() *Run {
	return &Run{
		Tool:     Tool{Name: "palisade", Version: "1.2.3"},
		Target:   "services/cart",
		Scanners: []string{"secret"},
		Started:  date("2026-11-23T07:00:00Z"),
		Finished: date("2026-11-23T07:00:00.25Z"),
		Stats:    Stats{FilesScanned: 12, BytesScanned: 900},
	}
}

// oddRun has the edge cases writers must still render validly: no tool name or URI, a relative
// target, locations without lines or with an end before the start, a rule the run does not list,
// an unknown confidence, a suppression without a reason, a problem without a path.
func oddRun() *Run {
	return &Run{
		Target: "./svc",
		Findings: []finding.Finding{
			{RuleID: "x.rule/1", Severity: finding.SeverityMedium, Fingerprint: "fp1", Location: finding.Location{Path: "c:odd name#1.txt"}},
			{RuleID: "y", Title: "Y", Severity: finding.SeverityInfo, Fingerprint: "fp2", Scanner: "s",
				Location:    finding.Location{Path: "/abs/like.go", StartLine: 9, StartColumn: 5, EndLine: 3, EndColumn: 1},
				Suppression: &finding.Suppression{Kind: finding.SuppressedBaseline}},
			{RuleID: "y", Title: "Y", Severity: finding.SeverityInfo, Fingerprint: "fp3", Scanner: "s",
				Location: finding.Location{Path: "z.go", StartLine: 2, StartColumn: 8, EndLine: 2, EndColumn: 3}},
		},
		Problems: []finding.Problem{{Message: "something failed"}, {Path: "q.yaml", Message: ""}},
	}
}
