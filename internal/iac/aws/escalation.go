package aws

import (
	"fmt"
	"path"
	"strings"

	"github.com/palisade-sec/palisade/internal/finding"
)

// selfEscalation are IAM actions each of which lets a principal give itself (or a user it
// controls) more permissions than the policy grants: rewrite or attach policies, join a group,
// take over another user's credentials, or rewrite who may assume a role.
var selfEscalation = []string{
	"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
	"iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
	"iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy",
	"iam:AddUserToGroup", "iam:UpdateAssumeRolePolicy",
	"iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
}

// passRoleLaunchers start compute that runs with a role the caller passes: with iam:PassRole on a
// more privileged role, each turns the caller into that role.
var passRoleLaunchers = []string{
	"lambda:CreateFunction", "ec2:RunInstances", "cloudformation:CreateStack",
	"glue:CreateDevEndpoint", "glue:CreateJob", "datapipeline:CreatePipeline",
	"ecs:RunTask", "sagemaker:CreateNotebookInstance", "codebuild:CreateProject",
}

// actionMatches reports whether an action pattern from a policy (case-insensitive, with * and ?
// wildcards, as IAM reads them) covers action.
func actionMatches(pattern, action string) bool {
	ok, err := path.Match(strings.ToLower(pattern), strings.ToLower(action))
	return err == nil && ok
}

// serviceWide reports whether a pattern grants a whole service or everything; those are the
// wildcard checks' findings, so this check stays quiet about them rather than report twice.
func serviceWide(pattern string) bool {
	_, verb, found := strings.Cut(pattern, ":")
	return pattern == "*" || (found && verb == "*")
}

// grantedBy returns the index of the first Allow statement of d whose specific (not
// service-wide) actions cover action, or -1.
func grantedBy(d *PolicyDoc, action string) int {
	for i, s := range d.Statements {
		if !allow(s) {
			continue
		}
		for _, p := range s.Actions {
			if !serviceWide(p) && actionMatches(p, action) {
				return i
			}
		}
	}
	return -1
}

func iamPrivilegeEscalation() Check {
	return Check{
		Rule: rule("aws-iam-privilege-escalation", "IAM policy allows privilege escalation", finding.SeverityHigh,
			"Some IAM actions, alone or together, let a principal raise its own permissions: rewriting or attaching policies, taking over another user's keys or password, or passing a privileged role to new compute it controls (iam:PassRole with lambda:CreateFunction, ec2:RunInstances, …). Such a policy is effectively administrator access for whoever holds it.",
			"Remove the escalating actions, or scope them with Resource ARNs and conditions to the exact users, roles and policies the principal must manage (for iam:PassRole, the specific roles and an iam:PassedToService condition).",
			"least-privilege", "cis-aws:1.16"),
		Run: func(m *Model, report Report) {
			for _, d := range m.Policies {
				if d.Resource {
					continue // resource and trust policies grant to others; identity policies grant to the holder
				}
				reportEscalation(d, report)
			}
		},
		Fail: []string{
			tf(iamTF("{ Effect = \"Allow\", Action = [\"iam:PutRolePolicy\"], Resource = \"*\" }")),
			tf(iamTF("{ Effect = \"Allow\", Action = [\"iam:Attach*Policy\"], Resource = \"arn:aws:iam::123456789012:role/ci\" }")),
			cfn("Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Effect: Allow # want\n            Action: iam:PassRole\n            Resource: \"*\"\n          - Effect: Allow\n            Action: [lambda:CreateFunction, lambda:InvokeFunction]\n            Resource: \"*\"\n"),
		},
		Pass: []string{
			tf(iamTF("{ Effect = \"Allow\", Action = [\"iam:PassRole\"], Resource = \"arn:aws:iam::123456789012:role/app\" }")),
			tf(iamTF("{ Effect = \"Allow\", Action = [\"iam:GetRole\", \"iam:ListRolePolicies\"], Resource = \"*\" }")),
			tf(iamTF("{ Effect = \"Deny\", Action = [\"iam:PutRolePolicy\"], Resource = \"*\" }")),
		},
	}
}

// reportEscalation reports the first escalation path d grants, at the statement that grants it.
func reportEscalation(d *PolicyDoc, report Report) {
	at := func(i int, msg string) {
		ref := d.Ref
		if l := d.Statements[i].Line; l > 0 {
			ref.Line = l
			ref.Fields = nil
		}
		report(&ref, fmt.Sprintf("statement[%d]", i), d.Address+": "+msg)
	}
	for _, a := range selfEscalation {
		if i := grantedBy(d, a); i >= 0 {
			at(i, "allows "+a+", which lets the holder raise its own permissions")
			return
		}
	}
	pass := grantedBy(d, "iam:PassRole")
	if pass < 0 {
		return
	}
	for _, a := range passRoleLaunchers {
		if grantedBy(d, a) >= 0 {
			at(pass, "allows iam:PassRole with "+a+": new compute can run as any role the holder may pass")
			return
		}
	}
}
