package aws

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/finding"
)

// Builtin is the one list of built-in AWS checks, in report order.
func Builtin() []Check {
	return []Check{
		sgOpenPorts("aws-sg-open-admin-port", "Security group opens an administration port to the internet", finding.SeverityCritical,
			"SSH, RDP, WinRM and VNC reachable from 0.0.0.0/0 or ::/0 invite brute force and exploitation of the management plane.",
			[]int{22, 3389, 5985, 5986, 5900}),
		sgOpenPorts("aws-sg-open-database-port", "Security group opens a database port to the internet", finding.SeverityHigh,
			"Databases and caches (MySQL, PostgreSQL, SQL Server, Oracle, MongoDB, Redis, Elasticsearch, Memcached, Cassandra) should never face the internet.",
			[]int{3306, 5432, 1433, 1521, 27017, 6379, 9200, 9300, 11211, 9042, 5984, 7000}),
		sgAllPorts(), sgOpenEgress(), sgDescription(), subnetPublicIP(), vpcFlowLogs(), s3PublicACL(), s3PublicAccessBlock(), s3Encryption(), s3Versioning(), s3Logging(),
		dbEncrypted(), dbPublic(), dbDeletionProtection(), dbBackups(), dbIAMAuth(), ebsEncrypted(), rootVolumeEncrypted(),
		iamAdmin(), iamWildcardAction(), iamWildcardResource(), iamNotAction(), iamPrivilegeEscalation(), publicPrincipal(),
		kmsRotation(), trailMultiRegion(), trailValidation(), trailKMS(),
		eksPublicEndpoint(), eksLogging(), eksSecrets(), ecrScan(), ecrImmutable(),
		lambdaTracing(), lambdaSecretEnv(), lambdaURLAuth(), apiAccessLogs(), apiTracing(),
		lbHTTP(), lbOldTLS(), imdsv2(), publicIP(), userDataSecret(), queueEncryption(),
		cacheEncryption(), cloudfrontHTTP(), cloudfrontTLS(), efsEncrypted(), logRetention(), logKMS(), secretKMS(), ecrKMS(),
	}
}

// world reports whether a CIDR admits every address.
func world(cidr string) bool { return cidr == "0.0.0.0/0" || cidr == "::/0" }

// covers reports whether rule r admits port p (protocol all, or tcp/udp ranges containing it).
func covers(r *SGRule, p int) bool {
	if r.Protocol == "-1" || r.Protocol == "all" {
		return true
	}
	if r.FromPort < 0 || r.ToPort < 0 {
		return false
	}
	return r.FromPort <= p && p <= r.ToPort
}

func sgExample(port string) string {
	return tf("resource \"aws_security_group\" \"admin\" {\n  name = \"admin\"\n  ingress {\n    from_port   = " + port + "\n    to_port     = " + port + "\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"] # want\n  }\n}\n")
}

func sgOpenPorts(id, title string, sev finding.Severity, desc string, ports []int) Check {
	return Check{
		Rule: rule(id, title, sev, desc,
			"Restrict the rule's source to known networks, or reach the service through a bastion, VPN or SSM Session Manager.",
			"cis-aws:5.2", "cis-aws:5.3", "nsa-cisa:network-separation"),
		Run: func(m *Model, report Report) {
			for _, r := range m.SGRules {
				if !r.Ingress || !slices.ContainsFunc(r.CIDRs, world) || r.Protocol == "-1" || r.Protocol == "all" {
					continue
				}
				for _, p := range ports {
					if covers(r, p) {
						report(&r.Ref, "cidr", fmt.Sprintf("%s admits port %d from the internet (ports %s)", r.Address, p, portRange(r)))
						break
					}
				}
			}
		},
		Fail: []string{sgExample(fmt.Sprint(ports[0])), cfn("Resources:\n  SG:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n      SecurityGroupIngress:\n        - IpProtocol: tcp\n          FromPort: " + fmt.Sprint(ports[len(ports)-1]-1) + "\n          ToPort: " + fmt.Sprint(ports[len(ports)-1]+1) + "\n          CidrIpv6: ::/0 # want\n")},
		Pass: []string{tf("resource \"aws_security_group_rule\" \"r\" {\n  type = \"ingress\"\n  from_port = " + fmt.Sprint(ports[0]) + "\n  to_port = " + fmt.Sprint(ports[0]) + "\n  protocol = \"tcp\"\n  cidr_blocks = [\"10.0.0.0/8\"]\n}\n"), sgExample("443")},
	}
}

func sgAllPorts() Check {
	return Check{
		Rule: rule("aws-sg-open-all-ports", "Security group admits all traffic from the internet", finding.SeverityCritical,
			"A rule for every protocol (-1) or every port from 0.0.0.0/0 exposes every service on the attached instances.",
			"Admit only the ports the service serves, from the networks that need them.", "cis-aws:5.2", "nsa-cisa:network-separation"),
		Run: func(m *Model, report Report) {
			for _, r := range m.SGRules {
				all := r.Protocol == "-1" || r.Protocol == "all" || (r.FromPort <= 0 && r.ToPort >= 65535)
				if r.Ingress && all && slices.ContainsFunc(r.CIDRs, world) {
					report(&r.Ref, "cidr", r.Address+" admits all traffic from the internet")
				}
			}
		},
		Fail: []string{
			tf("resource \"aws_vpc_security_group_ingress_rule\" \"all\" {\n  security_group_id = aws_security_group.x.id\n  ip_protocol = \"-1\"\n  cidr_ipv4   = \"0.0.0.0/0\" # want\n}\n"),
			cfn("Resources:\n  In:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref SG\n      IpProtocol: \"-1\"\n      CidrIp: 0.0.0.0/0 # want\n"),
		},
		Pass: []string{tf("resource \"aws_security_group\" \"web\" {\n  egress {\n    from_port = 0\n    to_port = 0\n    protocol = \"-1\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\n")},
	}
}

func bucketTF(extra string) string {
	return "resource \"aws_s3_bucket\" \"data\" {\n  bucket = \"shop-data\"\n" + extra + "}\n"
}

func s3PublicACL() Check {
	return Check{
		Rule: rule("aws-s3-public-acl", "S3 bucket ACL grants public access", finding.SeverityHigh,
			"public-read, public-read-write and authenticated-read ACLs let anyone (or any AWS account) list or read — or write — the bucket.",
			"Use the private ACL (or disable ACLs with object ownership BucketOwnerEnforced) and share through policies or CloudFront.",
			"cis-aws:2.1.4"),
		Run: func(m *Model, report Report) {
			for _, b := range m.Buckets {
				switch b.ACL {
				case "public-read", "public-read-write", "authenticated-read", "PublicRead", "PublicReadWrite", "AuthenticatedRead":
					report(&b.Ref, "acl", fmt.Sprintf("%s has ACL %s", b.Address, b.ACL))
				}
			}
		},
		Fail: []string{
			tf(bucketTF("") + "resource \"aws_s3_bucket_acl\" \"data\" {\n  bucket = aws_s3_bucket.data.id\n  acl    = \"public-read\" # want\n}\n"),
			cfn("Resources:\n  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n      AccessControl: PublicRead # want\n"),
		},
		Pass: []string{tf(bucketTF("  acl = \"private\"\n"))},
	}
}

func s3PublicAccessBlock() Check {
	return Check{
		Rule: rule("aws-s3-public-access-block", "S3 bucket without a full public access block", finding.SeverityMedium,
			"Block Public Access is the guard rail that stops a later ACL or policy change from making the bucket public.",
			"Declare a public access block with all four settings true (block_public_acls, block_public_policy, ignore_public_acls, restrict_public_buckets).",
			"cis-aws:2.1.4"),
		Run: func(m *Model, report Report) {
			for _, b := range m.Buckets {
				p := b.PublicAccessBlock
				if p == nil {
					report(&b.Ref, "public_access_block", b.Address+" has no public access block")
					continue
				}
				for _, s := range []struct {
					name string
					v    Bool
				}{{"block_public_acls", p.BlockPublicACLs}, {"block_public_policy", p.BlockPublicPolicy}, {"ignore_public_acls", p.IgnorePublicACLs}, {"restrict_public_buckets", p.RestrictPublicBuckets}} {
					if s.v.Off() {
						report(&p.Ref, s.name, fmt.Sprintf("%s does not set %s", b.Address, s.name))
					}
				}
			}
		},
		Fail: []string{
			tf("# want\n" + bucketTF("")),
			tf(bucketTF("") + "resource \"aws_s3_bucket_public_access_block\" \"data\" {\n  bucket = aws_s3_bucket.data.id\n  block_public_acls       = true\n  block_public_policy     = false # want\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n"),
		},
		Pass: []string{
			tf(bucketTF("") + "resource \"aws_s3_bucket_public_access_block\" \"data\" {\n  bucket = \"shop-data\"\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n"),
			cfn("Resources:\n  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n      PublicAccessBlockConfiguration:\n        BlockPublicAcls: true\n        BlockPublicPolicy: true\n        IgnorePublicAcls: true\n        RestrictPublicBuckets: true\n"),
		},
	}
}

func bucketSetting(id, title string, sev finding.Severity, desc, fix, field string, get func(b *Bucket) Bool, tfFix, cfnFail string, tags ...string) Check {
	return Check{
		Rule: rule(id, title, sev, desc, fix, tags...),
		Run: func(m *Model, report Report) {
			for _, b := range m.Buckets {
				if get(b).Off() {
					report(&b.Ref, field, fmt.Sprintf("%s: %s", b.Address, strings.ToLower(title)))
				}
			}
		},
		Fail: []string{tf("# want\n" + bucketTF("")), cfn(cfnFail)},
		Pass: []string{tf(bucketTF("") + tfFix)},
	}
}

func s3Encryption() Check {
	return bucketSetting("aws-s3-encryption", "S3 bucket without declared default encryption", finding.SeverityLow,
		"S3 now encrypts new objects with S3-managed keys by default, but a declared configuration (ideally SSE-KMS) makes the choice explicit and auditable and allows key policies.",
		"Declare server-side encryption for the bucket, with a KMS key for sensitive data.", "encryption",
		func(b *Bucket) Bool { return b.Encryption },
		"resource \"aws_s3_bucket_server_side_encryption_configuration\" \"data\" {\n  bucket = aws_s3_bucket.data.id\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = \"aws:kms\"\n    }\n  }\n}\n",
		"Resources:\n  Data: # want\n    Type: AWS::S3::Bucket\n", "cis-aws:2.1.1")
}

func s3Versioning() Check {
	return bucketSetting("aws-s3-versioning", "S3 bucket without versioning", finding.SeverityLow,
		"Without versioning an overwrite or delete — by mistake or by ransomware — is permanent.",
		"Enable versioning (and MFA delete for critical buckets).", "versioning",
		func(b *Bucket) Bool { return b.Versioning },
		"resource \"aws_s3_bucket_versioning\" \"data\" {\n  bucket = aws_s3_bucket.data.id\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n}\n",
		"Resources:\n  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n      VersioningConfiguration:\n        Status: Suspended # want\n", "cis-aws:2.1.3")
}

func s3Logging() Check {
	return bucketSetting("aws-s3-access-logging", "S3 bucket without access logging", finding.SeverityLow,
		"Without server access logs there is no record of who read or changed objects.",
		"Enable server access logging to a separate log bucket (or CloudTrail data events).", "logging",
		func(b *Bucket) Bool { return b.Logging },
		"resource \"aws_s3_bucket_logging\" \"data\" {\n  bucket        = aws_s3_bucket.data.id\n  target_bucket = \"shop-logs\"\n  target_prefix = \"data/\"\n}\n",
		"Resources:\n  Data: # want\n    Type: AWS::S3::Bucket\n", "cis-aws:3.6")
}

func dbTF(extra string) string {
	return "resource \"aws_db_instance\" \"db\" {\n  engine = \"postgres\"\n  instance_class = \"db.t4g.micro\"\n" + extra + "}\n"
}

func dbCheck(id, title string, sev finding.Severity, desc, fix, field string, bad func(d *Database) bool, fail, pass []string, tags ...string) Check {
	return Check{
		Rule: rule(id, title, sev, desc, fix, tags...),
		Run: func(m *Model, report Report) {
			for _, d := range m.Databases {
				if bad(d) {
					report(&d.Ref, field, fmt.Sprintf("%s: %s", d.Address, strings.ToLower(title)))
				}
			}
		},
		Fail: fail, Pass: pass,
	}
}

func dbEncrypted() Check {
	return dbCheck("aws-rds-encryption", "Database storage not encrypted", finding.SeverityHigh,
		"Unencrypted database storage and snapshots expose the data to anyone who obtains a snapshot or the underlying volume.",
		"Set storage_encrypted = true (StorageEncrypted: true); encryption cannot be added later without a snapshot restore.",
		"encrypted", func(d *Database) bool { return d.Encrypted.Off() },
		[]string{tf("# want\n" + dbTF("")), cfn("Resources:\n  DB:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: mysql\n      StorageEncrypted: false # want\n")},
		[]string{tf(dbTF("  storage_encrypted = var.encrypt\n") + "variable \"encrypt\" {\n  default = true\n}\n")},
		"cis-aws:2.3.1")
}

func dbPublic() Check {
	return dbCheck("aws-rds-public", "Database publicly accessible", finding.SeverityCritical,
		"A publicly accessible database gets a public DNS name and address; one security group mistake exposes it to the internet.",
		"Set publicly_accessible = false and reach the database from inside the VPC.",
		"public", func(d *Database) bool { return d.Public == True },
		[]string{tf(dbTF("  publicly_accessible = true # want\n")), cfn("Resources:\n  DB:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      PubliclyAccessible: \"true\" # want\n")},
		[]string{tf(dbTF("  publicly_accessible = false\n"))},
		"cis-aws:2.3.3")
}

func dbDeletionProtection() Check {
	return dbCheck("aws-rds-deletion-protection", "Database without deletion protection", finding.SeverityLow,
		"Without deletion protection one API call (or a terraform destroy) removes the database.",
		"Set deletion_protection = true for production databases.",
		"deletion_protection", func(d *Database) bool { return d.DeletionProtection.Off() },
		[]string{tf("# want\n" + dbTF(""))},
		[]string{tf(dbTF("  deletion_protection = true\n"))},
		"resilience:backup")
}

func dbBackups() Check {
	return dbCheck("aws-rds-backup-retention", "Database backups disabled or short", finding.SeverityMedium,
		"A backup retention of 0 disables automated backups and point-in-time recovery; under 7 days leaves little time to notice corruption.",
		"Set backup_retention_period to 7 days or more.",
		"backup_retention", func(d *Database) bool { return d.BackupRetention >= 0 && d.BackupRetention < 7 },
		[]string{tf(dbTF("  backup_retention_period = 0 # want\n")), cfn("Resources:\n  DB:\n    Type: AWS::RDS::DBCluster\n    Properties:\n      BackupRetentionPeriod: 1 # want\n")},
		[]string{tf(dbTF("  backup_retention_period = 14\n"))},
		"resilience:backup")
}

func dbIAMAuth() Check {
	return dbCheck("aws-rds-iam-auth", "Database without IAM authentication", finding.SeverityLow,
		"IAM database authentication replaces long-lived database passwords with short-lived tokens tied to IAM identities.",
		"Set iam_database_authentication_enabled = true.",
		"iam_auth", func(d *Database) bool { return d.IAMAuth == False },
		[]string{tf(dbTF("  iam_database_authentication_enabled = false # want\n"))},
		[]string{tf(dbTF("  iam_database_authentication_enabled = true\n"))},
		"identity:short-lived-credentials")
}

func ebsEncrypted() Check {
	return Check{
		Rule: rule("aws-ebs-encryption", "EBS volume not encrypted", finding.SeverityHigh,
			"Unencrypted volumes and their snapshots can be read by anyone who obtains a snapshot.",
			"Set encrypted = true (or turn on EBS encryption by default for the account).", "cis-aws:2.2.1"),
		Run: func(m *Model, report Report) {
			if m.EBSDefaultEncryption == True {
				return // every new volume is encrypted whatever it declares
			}
			for _, v := range m.Volumes {
				if v.Encrypted.Off() {
					report(&v.Ref, "encrypted", v.Address+" is not encrypted")
				}
			}
		},
		Fail: []string{
			tf("resource \"aws_ebs_volume\" \"data\" {\n  size      = 40\n  encrypted = false # want\n}\n"),
			tf("resource \"aws_instance\" \"web\" {\n  ami = \"ami-123\"\n  root_block_device { # want\n    volume_size = 20\n  }\n}\n"),
			cfn("Resources:\n  Vol: # want\n    Type: AWS::EC2::Volume\n    Properties:\n      Size: 40\n"),
		},
		Pass: []string{
			tf("resource \"aws_ebs_volume\" \"data\" {\n  size      = 40\n  encrypted = true\n}\n"),
			tf("resource \"aws_ebs_encryption_by_default\" \"on\" {}\nresource \"aws_ebs_volume\" \"data\" {\n  size = 40\n}\n"),
			cfn("Resources:\n  App:\n    Type: AWS::EC2::Instance\n    Properties:\n      BlockDeviceMappings:\n        - DeviceName: /dev/xvda\n          Ebs:\n            Encrypted: true\n"),
		},
	}
}

func allow(s Statement) bool { return s.Effect == "" || s.Effect == "Allow" }

func anyWild(xs []string) bool { return slices.Contains(xs, "*") }

func policyCheck(id, title string, sev finding.Severity, desc, fix string, bad func(d *PolicyDoc, s Statement) string, fail, pass []string, tags ...string) Check {
	return Check{
		Rule: rule(id, title, sev, desc, fix, tags...),
		Run: func(m *Model, report Report) {
			for _, d := range m.Policies {
				for i, s := range d.Statements {
					if msg := bad(d, s); msg != "" {
						ref := d.Ref
						if s.Line > 0 {
							ref.Line = s.Line
							ref.Fields = nil
						}
						report(&ref, fmt.Sprintf("statement[%d]", i), d.Address+": "+msg)
					}
				}
			}
		},
		Fail: fail, Pass: pass,
	}
}

func iamTF(stmt string) string {
	return "resource \"aws_iam_policy\" \"p\" {\n  name = \"p\"\n  policy = jsonencode({ # want\n    Version = \"2012-10-17\"\n    Statement = [" + stmt + "]\n  })\n}\n"
}

func iamAdmin() Check {
	return policyCheck("aws-iam-admin-policy", "IAM policy grants full administrator access", finding.SeverityCritical,
		"Action * on Resource * is every permission in the account; a leaked credential with it is a lost account.",
		"Grant the actions and resources the principal needs; use AWS managed job-function policies as a starting point.",
		func(d *PolicyDoc, s Statement) string {
			if allow(s) && anyWild(s.Actions) && anyWild(s.Resources) {
				return "allows every action on every resource"
			}
			return ""
		},
		[]string{tf(iamTF("{ Effect = \"Allow\", Action = \"*\", Resource = \"*\" }")),
			cfn("Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Effect: Allow # want\n            Action: \"*\"\n            Resource: \"*\"\n")},
		[]string{tf(iamTF("{ Effect = \"Allow\", Action = [\"s3:GetObject\"], Resource = \"arn:aws:s3:::shop-data/*\" }"))},
		"cis-aws:1.16")
}

func iamWildcardAction() Check {
	return policyCheck("aws-iam-wildcard-action", "IAM policy allows every action of a service", finding.SeverityHigh,
		"Service-wide wildcards (s3:*, iam:*) grant destructive and privilege-escalating actions along with the intended ones.",
		"List the actions needed.",
		func(d *PolicyDoc, s Statement) string {
			if !allow(s) || (anyWild(s.Actions) && anyWild(s.Resources)) {
				return ""
			}
			for _, a := range s.Actions {
				if a == "*" || strings.HasSuffix(a, ":*") {
					return "allows " + a
				}
			}
			return ""
		},
		[]string{tf(iamTF("{ Effect = \"Allow\", Action = [\"s3:*\"], Resource = \"arn:aws:s3:::shop-data/*\" }")),
			tf("data \"aws_iam_policy_document\" \"d\" {\n  statement { # want\n    actions   = [\"iam:*\"]\n    resources = [\"arn:aws:iam::123456789012:role/app\"]\n  }\n}\n")},
		[]string{tf(iamTF("{ Effect = \"Deny\", Action = \"s3:*\", Resource = \"*\" }"))},
		"cis-aws:1.16")
}

func iamWildcardResource() Check {
	return policyCheck("aws-iam-wildcard-resource", "IAM policy allows write actions on every resource", finding.SeverityMedium,
		"Resource * on write actions reaches every current and future resource of those services in the account.",
		"Scope Resource to the ARNs the principal manages.",
		func(d *PolicyDoc, s Statement) string {
			if !allow(s) || !anyWild(s.Resources) || anyWild(s.Actions) || len(s.Actions) == 0 {
				return ""
			}
			for _, a := range s.Actions {
				_, verb, _ := strings.Cut(a, ":")
				if !strings.HasPrefix(verb, "Get") && !strings.HasPrefix(verb, "List") && !strings.HasPrefix(verb, "Describe") {
					return "allows " + a + " on every resource"
				}
			}
			return ""
		},
		[]string{tf(iamTF("{ Effect = \"Allow\", Action = [\"ec2:TerminateInstances\"], Resource = \"*\" }"))},
		[]string{tf(iamTF("{ Effect = \"Allow\", Action = [\"ec2:DescribeInstances\"], Resource = \"*\" }"))},
		"least-privilege")
}

func iamNotAction() Check {
	return policyCheck("aws-iam-allow-not-action", "IAM policy allows with NotAction", finding.SeverityMedium,
		"Allow with NotAction grants everything except the listed actions, including every action AWS adds later.",
		"Use Allow with an explicit Action list.",
		func(d *PolicyDoc, s Statement) string {
			if allow(s) && len(s.NotActions) > 0 {
				return "allows everything except " + strings.Join(s.NotActions, ", ")
			}
			return ""
		},
		[]string{tf(iamTF("{ Effect = \"Allow\", NotAction = [\"iam:*\"], Resource = \"*\" }"))},
		[]string{tf(iamTF("{ Effect = \"Deny\", NotAction = [\"s3:GetObject\"], Resource = \"*\" }"))},
		"least-privilege")
}

func publicPrincipal() Check {
	return policyCheck("aws-policy-public-principal", "Resource or trust policy allows everyone", finding.SeverityCritical,
		"Principal * without a condition lets any AWS account — or anyone on the internet — use the resource or assume the role.",
		"Name the principals (accounts, roles, services) or add conditions such as aws:SourceAccount / aws:PrincipalOrgID.",
		func(d *PolicyDoc, s Statement) string {
			if allow(s) && d.Resource && anyWild(s.Principals) && !s.Conditions {
				return "allows principal * without a condition"
			}
			return ""
		},
		[]string{
			tf("resource \"aws_s3_bucket_policy\" \"p\" {\n  bucket = \"shop-data\"\n  # want\n  policy = <<EOF\n{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::shop-data/*\"}]}\nEOF\n}\n"),
			cfn("Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow # want\n            Principal:\n              AWS: \"*\"\n            Action: sts:AssumeRole\n"),
		},
		[]string{tf("resource \"aws_iam_role\" \"r\" {\n  assume_role_policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Principal = { Service = \"lambda.amazonaws.com\" }, Action = \"sts:AssumeRole\" }]\n  })\n}\n")},
		"cis-aws:1.16")
}

func simple[T any](id, title string, sev finding.Severity, desc, fix, field string, list func(m *Model) []T, ref func(T) *Ref, bad func(T) bool, fail, pass []string, tags ...string) Check {
	return Check{
		Rule: rule(id, title, sev, desc, fix, tags...),
		Run: func(m *Model, report Report) {
			for _, x := range list(m) {
				if bad(x) {
					r := ref(x)
					report(r, field, fmt.Sprintf("%s: %s", r.Address, strings.ToLower(title)))
				}
			}
		},
		Fail: fail, Pass: pass,
	}
}

func kmsRotation() Check {
	return simple("aws-kms-rotation", "KMS key rotation disabled", finding.SeverityMedium,
		"Without automatic rotation a symmetric key's material never changes, so one exposure compromises everything it ever encrypted.",
		"Set enable_key_rotation = true (EnableKeyRotation: true).", "rotation",
		func(m *Model) []*Key { return m.Keys }, func(k *Key) *Ref { return &k.Ref },
		func(k *Key) bool { return k.Symmetric && k.Rotation.Off() },
		[]string{tf("# want\nresource \"aws_kms_key\" \"k\" {\n  description = \"data\"\n}\n"), cfn("Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: false # want\n")},
		[]string{tf("resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = true\n}\n"), tf("resource \"aws_kms_key\" \"sign\" {\n  customer_master_key_spec = \"ECC_NIST_P256\"\n}\n")},
		"cis-aws:3.6")
}

func trailTF(extra string) string {
	return "resource \"aws_cloudtrail\" \"main\" {\n  name = \"main\"\n  s3_bucket_name = \"trail\"\n" + extra + "}\n"
}

func trailMultiRegion() Check {
	return simple("aws-cloudtrail-multi-region", "CloudTrail trail covers one region only", finding.SeverityMedium,
		"Activity in regions the trail does not cover goes unrecorded — a favourite place for attackers to work.",
		"Set is_multi_region_trail = true.", "multi_region",
		func(m *Model) []*Trail { return m.Trails }, func(t *Trail) *Ref { return &t.Ref },
		func(t *Trail) bool { return t.MultiRegion.Off() },
		[]string{tf("# want\n" + trailTF("")), cfn("Resources:\n  Trail:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      IsLogging: true\n      IsMultiRegionTrail: false # want\n")},
		[]string{tf(trailTF("  is_multi_region_trail = true\n"))},
		"cis-aws:3.1")
}

func trailValidation() Check {
	return simple("aws-cloudtrail-log-validation", "CloudTrail log file validation disabled", finding.SeverityMedium,
		"Without log file validation, tampering with or deleting delivered logs goes undetected.",
		"Set enable_log_file_validation = true.", "log_validation",
		func(m *Model) []*Trail { return m.Trails }, func(t *Trail) *Ref { return &t.Ref },
		func(t *Trail) bool { return t.LogValidation.Off() },
		[]string{tf(trailTF("  enable_log_file_validation = false # want\n"))},
		[]string{tf(trailTF("  enable_log_file_validation = true\n"))},
		"cis-aws:3.2")
}

func trailKMS() Check {
	return simple("aws-cloudtrail-kms", "CloudTrail logs not encrypted with KMS", finding.SeverityLow,
		"SSE-KMS adds a key policy between the log bucket's readers and the audit trail.",
		"Set kms_key_id to a customer managed key.", "kms",
		func(m *Model) []*Trail { return m.Trails }, func(t *Trail) *Ref { return &t.Ref },
		func(t *Trail) bool { return t.KMSKey.Off() },
		[]string{tf("# want\n" + trailTF(""))},
		[]string{tf(trailTF("  kms_key_id = aws_kms_key.trail.arn\n"))},
		"cis-aws:3.5")
}

func eksTF(vpc string) string {
	return "resource \"aws_eks_cluster\" \"c\" {\n  name = \"c\"\n  role_arn = aws_iam_role.c.arn\n  vpc_config {\n    subnet_ids = var.subnets\n" + vpc + "  }\n}\n"
}

func eksPublicEndpoint() Check {
	return simple("aws-eks-public-endpoint", "EKS API endpoint open to the internet", finding.SeverityHigh,
		"A public Kubernetes API endpoint without source restrictions is reachable by anyone for credential stuffing and API vulnerabilities.",
		"Set endpoint_public_access = false, or restrict public_access_cidrs to known networks.", "public_endpoint",
		func(m *Model) []*Cluster { return m.Clusters }, func(c *Cluster) *Ref { return &c.Ref },
		func(c *Cluster) bool {
			return c.PublicEndpoint == True && (len(c.PublicCIDRs) == 0 || slices.ContainsFunc(c.PublicCIDRs, world))
		},
		[]string{tf(strings.Replace(eksTF(""), "  vpc_config {", "  vpc_config { # want", 1)), cfn("Resources:\n  C:\n    Type: AWS::EKS::Cluster\n    Properties:\n      ResourcesVpcConfig:\n        SubnetIds: [a, b]\n        EndpointPublicAccess: true # want\n        PublicAccessCidrs: [0.0.0.0/0]\n")},
		[]string{tf(eksTF("    endpoint_public_access = false\n")), tf(eksTF("    public_access_cidrs = [\"203.0.113.0/24\"]\n"))},
		"cis-eks:5.4.2")
}

func eksLogging() Check {
	return simple("aws-eks-control-plane-logging", "EKS audit and API logs not enabled", finding.SeverityMedium,
		"Without the api and audit control plane logs there is no record of who did what in the cluster.",
		"Set enabled_cluster_log_types to include api, audit and authenticator.", "logging",
		func(m *Model) []*Cluster { return m.Clusters }, func(c *Cluster) *Ref { return &c.Ref },
		func(c *Cluster) bool {
			return !slices.Contains(c.Logging, "audit") || !slices.Contains(c.Logging, "api")
		},
		[]string{tf("# want\n" + eksTF(""))},
		[]string{tf(strings.Replace(eksTF(""), "  vpc_config {", "  enabled_cluster_log_types = [\"api\", \"audit\", \"authenticator\"]\n  vpc_config {", 1))},
		"cis-eks:2.1.1")
}

func eksSecrets() Check {
	return simple("aws-eks-secrets-encryption", "EKS secrets not envelope-encrypted", finding.SeverityMedium,
		"Without a KMS encryption config, Kubernetes Secrets sit in etcd protected only by the volume encryption AWS manages.",
		"Add an encryption_config block with resources = [\"secrets\"] and a KMS key.", "encryption",
		func(m *Model) []*Cluster { return m.Clusters }, func(c *Cluster) *Ref { return &c.Ref },
		func(c *Cluster) bool { return c.SecretsEncryption.Off() },
		[]string{tf("# want\n" + eksTF(""))},
		[]string{tf(strings.Replace(eksTF(""), "  vpc_config {", "  encryption_config {\n    resources = [\"secrets\"]\n    provider {\n      key_arn = aws_kms_key.k.arn\n    }\n  }\n  vpc_config {", 1))},
		"cis-eks:5.3.1")
}

func ecrScan() Check {
	return simple("aws-ecr-scan-on-push", "ECR repository does not scan on push", finding.SeverityMedium,
		"Without scan on push, vulnerable images are stored and deployed without anyone being told.",
		"Set image_scanning_configuration { scan_on_push = true } (or enable registry-level enhanced scanning).", "scan_on_push",
		func(m *Model) []*Registry { return m.Registries }, func(r *Registry) *Ref { return &r.Ref },
		func(r *Registry) bool { return r.ScanOnPush.Off() },
		[]string{tf("# want\nresource \"aws_ecr_repository\" \"app\" {\n  name = \"app\"\n}\n"), cfn("Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      ImageScanningConfiguration:\n        ScanOnPush: false # want\n")},
		[]string{tf("resource \"aws_ecr_repository\" \"app\" {\n  image_scanning_configuration {\n    scan_on_push = true\n  }\n}\n")},
		"supply-chain:image-scanning")
}

func ecrImmutable() Check {
	return simple("aws-ecr-mutable-tags", "ECR repository allows tags to be overwritten", finding.SeverityMedium,
		"With mutable tags, pushing to an existing tag silently replaces what deployments pull.",
		"Set image_tag_mutability = \"IMMUTABLE\".", "immutable",
		func(m *Model) []*Registry { return m.Registries }, func(r *Registry) *Ref { return &r.Ref },
		func(r *Registry) bool { return r.Immutable.Off() },
		[]string{tf("resource \"aws_ecr_repository\" \"app\" {\n  image_tag_mutability = \"MUTABLE\" # want\n}\n")},
		[]string{tf("resource \"aws_ecr_repository\" \"app\" {\n  image_tag_mutability = \"IMMUTABLE\"\n}\n"), cfn("Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      ImageTagMutability: IMMUTABLE\n")},
		"supply-chain:pinning")
}

func lambdaTF(extra string) string {
	return "resource \"aws_lambda_function\" \"fn\" {\n  function_name = \"fn\"\n  role = aws_iam_role.fn.arn\n" + extra + "}\n"
}

func lambdaTracing() Check {
	return simple("aws-lambda-tracing", "Lambda function without active tracing", finding.SeverityLow,
		"Without X-Ray tracing, requests through the function cannot be followed when investigating an incident.",
		"Set tracing_config { mode = \"Active\" }.", "tracing",
		func(m *Model) []*Function { return m.Functions }, func(f *Function) *Ref { return &f.Ref },
		func(f *Function) bool { return f.Tracing.Off() },
		[]string{tf("# want\n" + lambdaTF(""))},
		[]string{tf(lambdaTF("  tracing_config {\n    mode = \"Active\"\n  }\n")), cfn("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      TracingConfig:\n        Mode: Active\n")},
		"logging:tracing")
}

var lambdaSecretRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(passw(or)?d|secret|token|api[_-]?key|private[_-]?key|access[_-]?key)`)
})

func lambdaSecretEnv() Check {
	c := Check{
		Rule: rule("aws-lambda-secret-env", "Credential in a Lambda environment variable", finding.SeverityHigh,
			"Environment variables are visible to anyone with lambda:GetFunctionConfiguration and are stored in the template and state.",
			"Read the secret from Secrets Manager or SSM Parameter Store at run time.", "cis-aws:secrets"),
		Run: func(m *Model, report Report) {
			for _, f := range m.Functions {
				for k, v := range f.Env {
					if lambdaSecretRE().MatchString(k) && len(v) >= 4 && !strings.HasPrefix(v, "arn:") && !strings.HasPrefix(v, "/") {
						report(&f.Ref, "environment", fmt.Sprintf("%s sets %s to a literal value (%s)", f.Address, k, finding.Redact(v)))
					}
				}
			}
		},
		Fail: []string{tf(lambdaTF("  environment {\n    variables = { # want\n      DB_PASSWORD = \"hunter2-hunter2\"\n    }\n  }\n")),
			cfn("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Environment:\n        Variables: # want\n          API_KEY: abcdef0123456789\n")},
		Pass: []string{tf(lambdaTF("  environment {\n    variables = {\n      DB_PASSWORD_PARAM = \"/shop/db/password\"\n    }\n  }\n"))},
	}
	c.Rule.CWE = []string{"CWE-798"}
	return c
}

func lambdaURLAuth() Check {
	return simple("aws-lambda-url-no-auth", "Lambda function URL without authentication", finding.SeverityHigh,
		"A function URL with auth type NONE is callable by anyone on the internet.",
		"Use authorization_type = \"AWS_IAM\", or front the function with an authenticating API gateway.", "auth",
		func(m *Model) []*FunctionURL { return m.FunctionURLs }, func(u *FunctionURL) *Ref { return &u.Ref },
		func(u *FunctionURL) bool { return u.AuthType == "NONE" },
		[]string{tf("resource \"aws_lambda_function_url\" \"u\" {\n  function_name = aws_lambda_function.fn.function_name\n  authorization_type = \"NONE\" # want\n}\n"), cfn("Resources:\n  Url:\n    Type: AWS::Lambda::Url\n    Properties:\n      TargetFunctionArn: !GetAtt Fn.Arn\n      AuthType: NONE # want\n")},
		[]string{tf("resource \"aws_lambda_function_url\" \"u\" {\n  authorization_type = \"AWS_IAM\"\n}\n")},
		"owasp-api:2")
}

func apiAccessLogs() Check {
	return simple("aws-apigw-access-logging", "API Gateway stage without access logging", finding.SeverityMedium,
		"Without access logs there is no record of who called the API, from where, with what result.",
		"Add access_log_settings with a CloudWatch log group destination.", "access_logs",
		func(m *Model) []*APIStage { return m.APIStages }, func(s *APIStage) *Ref { return &s.Ref },
		func(s *APIStage) bool { return s.AccessLogs.Off() },
		[]string{tf("# want\nresource \"aws_api_gateway_stage\" \"prod\" {\n  stage_name = \"prod\"\n  xray_tracing_enabled = true\n}\n"), cfn("Resources:\n  Stage: # want\n    Type: AWS::ApiGateway::Stage\n    Properties:\n      StageName: prod\n")},
		[]string{tf("resource \"aws_apigatewayv2_stage\" \"prod\" {\n  name = \"prod\"\n  access_log_settings {\n    destination_arn = aws_cloudwatch_log_group.api.arn\n    format = \"$context.requestId\"\n  }\n}\n")},
		"logging:access")
}

func apiTracing() Check {
	return simple("aws-apigw-tracing", "API Gateway stage without X-Ray tracing", finding.SeverityLow,
		"Tracing ties API requests to the backend calls they made, which incident response needs.",
		"Set xray_tracing_enabled = true.", "tracing",
		func(m *Model) []*APIStage { return m.APIStages }, func(s *APIStage) *Ref { return &s.Ref },
		func(s *APIStage) bool { return s.Tracing.Off() },
		[]string{tf("resource \"aws_api_gateway_stage\" \"prod\" {\n  stage_name = \"prod\"\n  xray_tracing_enabled = false # want\n}\n")},
		[]string{tf("resource \"aws_api_gateway_stage\" \"prod\" {\n  xray_tracing_enabled = true\n}\n")},
		"logging:tracing")
}

func lbHTTP() Check {
	return simple("aws-lb-http-listener", "Load balancer listener serves plain HTTP", finding.SeverityMedium,
		"An HTTP listener that does not redirect to HTTPS carries credentials and sessions in clear text.",
		"Serve HTTPS, and make the HTTP listener a redirect to it.", "protocol",
		func(m *Model) []*Listener { return m.Listeners }, func(l *Listener) *Ref { return &l.Ref },
		func(l *Listener) bool { return l.Protocol == "HTTP" && !l.Redirect },
		[]string{tf("resource \"aws_lb_listener\" \"web\" {\n  port = 80\n  protocol = \"HTTP\" # want\n  default_action {\n    type = \"forward\"\n    target_group_arn = aws_lb_target_group.web.arn\n  }\n}\n"),
			cfn("Resources:\n  L:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      Port: 80\n      Protocol: HTTP # want\n      DefaultActions:\n        - Type: forward\n")},
		[]string{tf("resource \"aws_lb_listener\" \"web\" {\n  protocol = \"HTTP\"\n  default_action {\n    type = \"redirect\"\n    redirect {\n      protocol = \"HTTPS\"\n      port = \"443\"\n      status_code = \"HTTP_301\"\n    }\n  }\n}\n")},
		"nsa-cisa:encryption-in-transit")
}

func lbOldTLS() Check {
	old := []string{"ELBSecurityPolicy-2015-05", "ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS-1-0-2015-04", "ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-FS-2018-06", "ELBSecurityPolicy-FS-1-1-2019-08"}
	return simple("aws-lb-outdated-tls-policy", "Load balancer allows TLS 1.0 or 1.1", finding.SeverityMedium,
		"TLS 1.0 and 1.1 are deprecated (RFC 8996) and allow weak cipher suites.",
		"Use ELBSecurityPolicy-TLS13-1-2-2021-06 or another TLS 1.2+ policy.", "ssl_policy",
		func(m *Model) []*Listener { return m.Listeners }, func(l *Listener) *Ref { return &l.Ref },
		func(l *Listener) bool { return slices.Contains(old, l.SSLPolicy) },
		[]string{tf("resource \"aws_lb_listener\" \"web\" {\n  protocol = \"HTTPS\"\n  ssl_policy = \"ELBSecurityPolicy-2016-08\" # want\n}\n")},
		[]string{tf("resource \"aws_lb_listener\" \"web\" {\n  protocol = \"HTTPS\"\n  ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"\n}\n")},
		"nsa-cisa:encryption-in-transit")
}

func imdsv2() Check {
	return simple("aws-ec2-imdsv1", "Instance metadata service v1 allowed", finding.SeverityMedium,
		"IMDSv1 answers any request from the instance, so an SSRF bug in an application hands out the instance role's credentials.",
		"Set metadata_options { http_tokens = \"required\" }.", "imds",
		func(m *Model) []*Instance { return append(append([]*Instance{}, m.Instances...), m.LaunchConfigs...) },
		func(i *Instance) *Ref { return &i.Ref },
		func(i *Instance) bool { return i.IMDSv2.Off() },
		[]string{
			tf("# want\nresource \"aws_instance\" \"web\" {\n  ami = \"ami-123\"\n}\n"),
			tf("resource \"aws_launch_template\" \"t\" {\n  metadata_options {\n    http_tokens = \"optional\" # want\n  }\n}\n"),
			cfn("Resources:\n  Web: # want\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-0abc1234\n"),
			cfn("Resources:\n  Web:\n    Type: AWS::EC2::Instance\n    Properties:\n      MetadataOptions:\n        HttpEndpoint: enabled\n        HttpTokens: optional # want\n"),
		},
		[]string{
			tf("resource \"aws_instance\" \"web\" {\n  launch_template {\n    name = \"hardened\"\n  }\n}\n"),
			tf("resource \"aws_instance\" \"batch\" {\n  metadata_options {\n    http_endpoint = \"disabled\"\n  }\n}\n"),
			cfn("Resources:\n  Web:\n    Type: AWS::EC2::Instance\n    Properties:\n      MetadataOptions:\n        HttpTokens: required\n"),
			cfn("Resources:\n  Web:\n    Type: AWS::EC2::Instance\n    Properties:\n      LaunchTemplate:\n        LaunchTemplateId: !Ref LT\n        Version: \"1\"\n"),
			tf("resource \"aws_instance\" \"web\" {\n  metadata_options {\n    http_tokens = \"required\"\n  }\n}\n"), cfn("Resources:\n  LT:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData:\n        MetadataOptions:\n          HttpTokens: required\n")},
		"cis-aws:5.6")
}

func publicIP() Check {
	return simple("aws-ec2-public-ip", "Instance gets a public IP address", finding.SeverityLow,
		"An instance with a public address is one security group rule away from the internet.",
		"Place instances in private subnets behind a load balancer or NAT.", "public_ip",
		func(m *Model) []*Instance { return append(append([]*Instance{}, m.Instances...), m.LaunchConfigs...) },
		func(i *Instance) *Ref { return &i.Ref },
		func(i *Instance) bool { return i.PublicIP == True },
		[]string{tf("resource \"aws_instance\" \"web\" {\n  associate_public_ip_address = true # want\n}\n")},
		[]string{tf("resource \"aws_instance\" \"web\" {\n  associate_public_ip_address = false\n}\n")},
		"nsa-cisa:network-separation")
}

var userDataSecretRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(AKIA[0-9A-Z]{16}|aws_secret_access_key\s*=|(password|passwd|secret|token)\s*[=:]\s*["']?[^\s"'$]{6,})`)
})

func userDataSecret() Check {
	c := simple("aws-ec2-user-data-secret", "Credential in instance user data", finding.SeverityHigh,
		"User data is readable by anyone who can describe the instance, and from inside it via the metadata service.",
		"Fetch secrets at boot from Secrets Manager or SSM Parameter Store using the instance role.", "user_data",
		func(m *Model) []*Instance { return append(append([]*Instance{}, m.Instances...), m.LaunchConfigs...) },
		func(i *Instance) *Ref { return &i.Ref },
		func(i *Instance) bool { return userDataSecretRE().MatchString(i.UserData) },
		[]string{tf("resource \"aws_instance\" \"web\" {\n  # want\n  user_data = <<EOT\n#!/bin/sh\nexport DB_PASSWORD=s3cr3tvalue\nEOT\n}\n")},
		[]string{tf("resource \"aws_instance\" \"web\" {\n  user_data = \"#!/bin/sh\\naws ssm get-parameter --name /db/password\\n\"\n}\n")},
		"cis-aws:secrets")
	c.Rule.CWE = []string{"CWE-798"}
	return c
}

func queueEncryption() Check {
	return simple("aws-messaging-encryption", "SQS queue or SNS topic not encrypted", finding.SeverityMedium,
		"Messages often carry personal data and tokens; without server-side encryption they are stored in the clear.",
		"Set kms_master_key_id (or sqs_managed_sse_enabled = true for SQS).", "encrypted",
		func(m *Model) []*Queue { return m.Queues }, func(q *Queue) *Ref { return &q.Ref },
		func(q *Queue) bool { return q.Encrypted.Off() },
		[]string{tf("# want\nresource \"aws_sns_topic\" \"events\" {\n  name = \"events\"\n}\n"), tf("resource \"aws_sqs_queue\" \"q\" {\n  sqs_managed_sse_enabled = false # want\n}\n")},
		[]string{tf("resource \"aws_sns_topic\" \"events\" {\n  kms_master_key_id = \"alias/aws/sns\"\n}\n"), tf("resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n}\n")},
		"encryption-at-rest")
}

func cacheEncryption() Check {
	return simple("aws-elasticache-encryption", "ElastiCache without encryption at rest and in transit", finding.SeverityMedium,
		"Cached sessions and tokens travel and rest in the clear without both encryption settings.",
		"Set at_rest_encryption_enabled and transit_encryption_enabled to true.", "in_transit",
		func(m *Model) []*Cache { return m.CacheClusters }, func(c *Cache) *Ref { return &c.Ref },
		func(c *Cache) bool { return c.AtRest.Off() || c.InTransit.Off() },
		[]string{tf("resource \"aws_elasticache_replication_group\" \"r\" {\n  at_rest_encryption_enabled = true\n  transit_encryption_enabled = false # want\n}\n")},
		[]string{tf("resource \"aws_elasticache_replication_group\" \"r\" {\n  at_rest_encryption_enabled = true\n  transit_encryption_enabled = true\n}\n")},
		"encryption-at-rest", "nsa-cisa:encryption-in-transit")
}

func cloudfrontHTTP() Check {
	return simple("aws-cloudfront-allows-http", "CloudFront serves viewers over HTTP", finding.SeverityMedium,
		"viewer_protocol_policy allow-all serves content and cookies over plain HTTP.",
		"Use redirect-to-https or https-only.", "viewer_protocol",
		func(m *Model) []*Distribution { return m.Distributions }, func(d *Distribution) *Ref { return &d.Ref },
		func(d *Distribution) bool { return d.ViewerProtocol == "allow-all" },
		[]string{tf("resource \"aws_cloudfront_distribution\" \"cdn\" {\n  default_cache_behavior {\n    viewer_protocol_policy = \"allow-all\" # want\n  }\n}\n")},
		[]string{tf("resource \"aws_cloudfront_distribution\" \"cdn\" {\n  default_cache_behavior {\n    viewer_protocol_policy = \"redirect-to-https\"\n  }\n}\n")},
		"nsa-cisa:encryption-in-transit")
}

func cloudfrontTLS() Check {
	return simple("aws-cloudfront-outdated-tls", "CloudFront allows TLS older than 1.2", finding.SeverityMedium,
		"SSLv3, TLS 1.0 and TLS 1.1 are deprecated and weak.",
		"Set minimum_protocol_version = \"TLSv1.2_2021\".", "min_tls",
		func(m *Model) []*Distribution { return m.Distributions }, func(d *Distribution) *Ref { return &d.Ref },
		func(d *Distribution) bool {
			return d.MinTLS != "" && !strings.HasPrefix(d.MinTLS, "TLSv1.2") && !strings.HasPrefix(d.MinTLS, "TLSv1.3")
		},
		[]string{tf("resource \"aws_cloudfront_distribution\" \"cdn\" {\n  viewer_certificate {\n    minimum_protocol_version = \"TLSv1\" # want\n  }\n}\n")},
		[]string{tf("resource \"aws_cloudfront_distribution\" \"cdn\" {\n  viewer_certificate {\n    minimum_protocol_version = \"TLSv1.2_2021\"\n  }\n}\n")},
		"nsa-cisa:encryption-in-transit")
}

func efsEncrypted() Check {
	return simple("aws-efs-encryption", "EFS file system not encrypted", finding.SeverityMedium,
		"An unencrypted file system stores its data, and its backups, in the clear.",
		"Set encrypted = true.", "encrypted",
		func(m *Model) []*FileSystem { return m.FileSystems }, func(f *FileSystem) *Ref { return &f.Ref },
		func(f *FileSystem) bool { return f.Encrypted.Off() },
		[]string{tf("# want\nresource \"aws_efs_file_system\" \"fs\" {\n  creation_token = \"fs\"\n}\n"), cfn("Resources:\n  FS:\n    Type: AWS::EFS::FileSystem\n    Properties:\n      Encrypted: false # want\n")},
		[]string{tf("resource \"aws_efs_file_system\" \"fs\" {\n  encrypted = true\n}\n")},
		"cis-aws:2.4.1")
}

func logRetention() Check {
	return simple("aws-log-retention", "Log group without a retention period", finding.SeverityLow,
		"Without a retention period logs are kept forever — costly, and a store of personal data nobody decided to keep; a very short one loses evidence.",
		"Set retention_in_days to what your incident response and privacy policy need (often 90–365).", "retention",
		func(m *Model) []*LogGroup { return m.LogGroups }, func(g *LogGroup) *Ref { return &g.Ref },
		func(g *LogGroup) bool { return g.Retention == 0 },
		[]string{tf("# want\nresource \"aws_cloudwatch_log_group\" \"g\" {\n  name = \"/app\"\n}\n")},
		[]string{tf("resource \"aws_cloudwatch_log_group\" \"g\" {\n  retention_in_days = 365\n}\n")},
		"logging:retention")
}

func secretKMS() Check {
	return simple("aws-secretsmanager-cmk", "Secret encrypted with the default AWS managed key", finding.SeverityLow,
		"With the default key, anyone allowed secretsmanager:GetSecretValue can decrypt; a customer managed key adds a second, auditable gate.",
		"Set kms_key_id to a customer managed key.", "kms",
		func(m *Model) []*Secret { return m.SecretsManager }, func(s *Secret) *Ref { return &s.Ref },
		func(s *Secret) bool { return s.KMS.Off() },
		[]string{tf("# want\nresource \"aws_secretsmanager_secret\" \"db\" {\n  name = \"db\"\n}\n")},
		[]string{tf("resource \"aws_secretsmanager_secret\" \"db\" {\n  kms_key_id = aws_kms_key.secrets.arn\n}\n")},
		"encryption-at-rest")
}

func logKMS() Check {
	return simple("aws-log-group-kms", "Log group not encrypted with a customer managed key", finding.SeverityLow,
		"Logs hold request details and personal data; a KMS key policy limits who can read them beyond IAM permissions on the log group.",
		"Set kms_key_id (KmsKeyId) to a customer managed key whose policy allows the logs service.", "kms",
		func(m *Model) []*LogGroup { return m.LogGroups }, func(g *LogGroup) *Ref { return &g.Ref },
		func(g *LogGroup) bool { return g.KMS.Off() },
		[]string{tf("# want\nresource \"aws_cloudwatch_log_group\" \"g\" {\n  retention_in_days = 90\n}\n"), cfn("Resources:\n  Logs: # want\n    Type: AWS::Logs::LogGroup\n    Properties:\n      RetentionInDays: 90\n")},
		[]string{tf("resource \"aws_cloudwatch_log_group\" \"g\" {\n  kms_key_id = aws_kms_key.logs.arn\n}\n")},
		"encryption-at-rest")
}

func ecrKMS() Check {
	return simple("aws-ecr-kms-encryption", "ECR repository not encrypted with KMS", finding.SeverityLow,
		"Images can embed configuration and secrets by mistake; KMS encryption puts a key policy and an audit trail in front of them.",
		"Add encryption_configuration { encryption_type = \"KMS\" }.", "kms",
		func(m *Model) []*Registry { return m.Registries }, func(r *Registry) *Ref { return &r.Ref },
		func(r *Registry) bool { return r.KMSEncrypted.Off() },
		[]string{tf("# want\nresource \"aws_ecr_repository\" \"app\" {\n  name = \"app\"\n}\n")},
		[]string{tf("resource \"aws_ecr_repository\" \"app\" {\n  encryption_configuration {\n    encryption_type = \"KMS\"\n  }\n}\n"), cfn("Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    Properties:\n      EncryptionConfiguration:\n        EncryptionType: KMS\n")},
		"encryption-at-rest")
}
