// Package aws is the normalised model of AWS infrastructure that Terraform and CloudFormation
// both load into, and the checks written once against it: network exposure, storage and
// database encryption and public access, IAM wildcards, key rotation, audit trails, container
// registries and clusters, serverless and API logging.
//
// Values a loader cannot resolve (a reference to another resource's attribute, an unset
// variable) are Unknown, and checks never flag an Unknown value: a finding means the template
// says the insecure thing, not that Palisade could not tell.
package aws

import (
	"context"
	"fmt"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/check"
)

// Bool is a tri-state setting: not written, written false, written true, or not resolvable.
type Bool int8

// The states of a Bool.
const (
	Unset Bool = iota
	False
	True
	Unknown
)

// BoolOf returns True or False.
func BoolOf(b bool) Bool {
	if b {
		return True
	}
	return False
}

// Off reports a setting that is false or missing (its default is off).
func (b Bool) Off() bool { return b == Unset || b == False }

// Ref says where a resource (or part of one) is declared.
type Ref struct {
	// File is slash-separated, relative to the scan root.
	File string
	// Address names the resource: "aws_s3_bucket.logs" in Terraform, the logical ID in
	// CloudFormation.
	Address string
	// Line is the resource's (or the nested block's) first line.
	Line int
	// Fields maps a model field name to the line it was written on.
	Fields map[string]int
}

// At returns the line of field, or of the resource when the field was not written.
func (r *Ref) At(field string) int {
	if l, ok := r.Fields[field]; ok && l > 0 {
		return l
	}
	return r.Line
}

// Set records the line of a field.
func (r *Ref) Set(field string, line int) {
	if line <= 0 {
		return
	}
	if r.Fields == nil {
		r.Fields = map[string]int{}
	}
	r.Fields[field] = line
}

// Model is everything a template declares that the checks look at.
type Model struct {
	Buckets        []*Bucket
	SGRules        []*SGRule
	Databases      []*Database
	Volumes        []*Volume
	Policies       []*PolicyDoc
	Keys           []*Key
	Trails         []*Trail
	Clusters       []*Cluster
	Registries     []*Registry
	Functions      []*Function
	FunctionURLs   []*FunctionURL
	APIStages      []*APIStage
	Listeners      []*Listener
	Instances      []*Instance
	Queues         []*Queue
	LaunchConfigs  []*Instance
	CacheClusters  []*Cache
	Distributions  []*Distribution
	FileSystems    []*FileSystem
	LogGroups      []*LogGroup
	SecretsManager []*Secret
	Subnets        []*Subnet
	VPCs           []*VPC
	FlowLogs       []*FlowLog
	// EBSDefaultEncryption is True when the template turns on the account's EBS encryption by
	// default, which encrypts every new volume whatever the instance declares.
	EBSDefaultEncryption Bool
}

// Bucket is an S3 bucket with the settings that may live on separate resources merged in.
type Bucket struct {
	Ref
	ACL        string
	Encryption Bool
	Versioning Bool
	Logging    Bool
	// PublicAccessBlock is nil when no public access block is declared for the bucket.
	PublicAccessBlock *PublicAccessBlock
}

// PublicAccessBlock is S3 Block Public Access for one bucket.
type PublicAccessBlock struct {
	Ref
	BlockPublicACLs, BlockPublicPolicy, IgnorePublicACLs, RestrictPublicBuckets Bool
}

// SGRule is one security group rule.
type SGRule struct {
	Ref
	Ingress          bool
	Protocol         string // "tcp", "udp", "-1" / "all"
	FromPort, ToPort int
	CIDRs            []string // IPv4 and IPv6
	Description      string
	// HasDescription says whether a non-empty description is written (Unknown when it is an
	// expression the loader cannot resolve).
	HasDescription Bool
}

// Database is an RDS instance or cluster.
type Database struct {
	Ref
	Encrypted          Bool
	Public             Bool
	DeletionProtection Bool
	IAMAuth            Bool
	BackupRetention    int // -1 when not written
}

// Volume is an EBS volume.
type Volume struct {
	Ref
	Encrypted Bool
}

// PolicyDoc is an IAM policy document, wherever it is attached.
type PolicyDoc struct {
	Ref
	Statements []Statement
	// Resource says whether the document is a resource policy (bucket, queue, key policy), where
	// Principal matters.
	Resource bool
}

// Statement is one policy statement.
type Statement struct {
	Line       int
	Effect     string
	Actions    []string
	NotActions []string
	Resources  []string
	Principals []string // "*" for everyone
	Conditions bool
}

// Key is a KMS key.
type Key struct {
	Ref
	Rotation  Bool
	Symmetric bool
}

// Trail is a CloudTrail trail.
type Trail struct {
	Ref
	MultiRegion   Bool
	LogValidation Bool
	KMSKey        Bool
}

// Cluster is an EKS cluster.
type Cluster struct {
	Ref
	PublicEndpoint    Bool
	PublicCIDRs       []string
	Logging           []string
	SecretsEncryption Bool
}

// Registry is an ECR repository.
type Registry struct {
	Ref
	ScanOnPush   Bool
	Immutable    Bool
	KMSEncrypted Bool
}

// Function is a Lambda function.
type Function struct {
	Ref
	Tracing Bool
	// Env are the literal environment variables, name to value.
	Env map[string]string
	// LogGroup says a log configuration or log group is declared for the function.
	LogGroup Bool
}

// FunctionURL is a Lambda function URL.
type FunctionURL struct {
	Ref
	AuthType string
}

// APIStage is an API Gateway stage.
type APIStage struct {
	Ref
	AccessLogs Bool
	Tracing    Bool
}

// Listener is a load balancer listener.
type Listener struct {
	Ref
	Protocol  string
	SSLPolicy string
	Redirect  bool
}

// Instance is an EC2 instance or launch template/configuration.
type Instance struct {
	Ref
	IMDSv2   Bool // http_tokens = required, or the metadata endpoint disabled
	PublicIP Bool
	UserData string
	// RootDevice says whether an EC2 instance declares its root volume (and so its encryption);
	// Unset means the root volume takes its settings from the AMI. Unknown for launch templates
	// and configurations, and for instances launched from a launch template.
	RootDevice Bool
}

// VPC is a virtual private cloud.
type VPC struct {
	Ref
}

// FlowLog is a flow log; VPC links it to the VPC it records, across resources.
type FlowLog struct {
	Ref
	// VPC is the address (Terraform) or logical ID (CloudFormation) of the recorded VPC; empty
	// when the flow log records a subnet or network interface instead.
	VPC string
	// Unresolved says the flow log names a VPC the loader cannot link to a resource (a variable,
	// a literal ID, an import), so it may cover any VPC.
	Unresolved bool
}

// Subnet is a VPC subnet.
type Subnet struct {
	Ref
	// PublicIP says whether instances launched in the subnet get a public IPv4 address.
	PublicIP Bool
}

// Queue is an SQS queue or SNS topic.
type Queue struct {
	Ref
	Kind      string // "SQS queue", "SNS topic"
	Encrypted Bool
}

// Cache is an ElastiCache replication group.
type Cache struct {
	Ref
	AtRest, InTransit Bool
}

// Distribution is a CloudFront distribution.
type Distribution struct {
	Ref
	ViewerProtocol string
	MinTLS         string
}

// FileSystem is an EFS file system.
type FileSystem struct {
	Ref
	Encrypted Bool
}

// LogGroup is a CloudWatch log group.
type LogGroup struct {
	Ref
	Retention int // 0 = never expires or not written
	KMS       Bool
}

// Secret is a Secrets Manager secret.
type Secret struct {
	Ref
	KMS Bool
}

// Check is one AWS check over a model, whichever loader (terraform, cloudformation) filled it.
// Its Fail and Pass examples are Terraform and CloudFormation sources (see tf and cfn), each
// flagged line marked "# want"; one table test runs them all through the loaders.
type Check = check.Check[*Model, Report]

// Report records one problem at field of ref; key identifies it for the fingerprint.
type Report func(ref *Ref, field, message string)

// Evaluate runs checks over a model; path names the file or module it was loaded from, for the
// Problem of a check that fails.
func Evaluate(ctx context.Context, checks []Check, m *Model, path string) ([]finding.Finding, []finding.Problem, error) {
	return check.Evaluate(ctx, checks, m, path, func(r *finding.Rule, add func(finding.Finding)) Report {
		return func(ref *Ref, field, msg string) {
			add(finding.Finding{
				RuleID: r.ID, Title: r.Title, Description: msg, Severity: r.Severity,
				Confidence: finding.ConfidenceHigh, CWE: r.CWE,
				Location:    finding.Location{Path: ref.File, StartLine: ref.At(field)},
				Fingerprint: finding.Fingerprint(r.ID, ref.File, ref.Address+"/"+field),
				Remediation: r.Remediation, References: r.References, Scanner: "iac",
				Properties: map[string]string{"resource": ref.Address, "field": field},
			})
		}
	})
}

func rule(id, title string, sev finding.Severity, desc, fix string, tags ...string) finding.Rule {
	return finding.Rule{ID: id, Title: title, Severity: sev, Description: desc, Remediation: fix, Tags: tags}
}

// tf and cfn mark an example as Terraform or CloudFormation for the reader; the table test tells
// them apart the way the scanner does (cloudformation.Sniff).
func tf(s string) string  { return s }
func cfn(s string) string { return s }

func portRange(r *SGRule) string {
	if r.FromPort == r.ToPort {
		return fmt.Sprint(r.FromPort)
	}
	return fmt.Sprintf("%d-%d", r.FromPort, r.ToPort)
}
