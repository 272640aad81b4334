package terraform

import (
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/palisade-sec/palisade/internal/finding"
	"github.com/palisade-sec/palisade/internal/iac/aws"
)

// s3Part is a bucket setting declared on a separate resource, merged into its bucket.
type s3Part struct {
	bucket string
	apply  func(b *aws.Bucket)
}

// resource maps one resource block into the model.
func (mod *module) resource(m *aws.Model, file, typ, address string, k attrs) {
	ref := aws.Ref{File: file, Address: address, Line: k.line()}
	switch typ {
	case "aws_s3_bucket", "aws_s3_bucket_acl", "aws_s3_bucket_versioning", "aws_s3_bucket_logging", "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_public_access_block":
		mod.storage(m, file, typ, k, ref)
	case "aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule", "aws_subnet", "aws_vpc", "aws_flow_log":
		mod.network(m, file, typ, k, ref)
	case "aws_db_instance", "aws_rds_cluster", "aws_ebs_volume", "aws_ebs_encryption_by_default", "aws_elasticache_replication_group", "aws_efs_file_system":
		mod.databases(m, file, typ, k, ref)
	case "aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_s3_bucket_policy", "aws_sqs_queue_policy", "aws_sns_topic_policy", "aws_iam_role", "aws_kms_key":
		mod.identity(m, file, typ, k, ref)
	case "aws_instance", "aws_launch_template", "aws_launch_configuration", "aws_eks_cluster", "aws_ecr_repository", "aws_lambda_function", "aws_lambda_function_url":
		mod.compute(m, file, typ, k, ref)
	case "aws_cloudtrail", "aws_api_gateway_stage", "aws_apigatewayv2_stage", "aws_cloudwatch_log_group", "aws_secretsmanager_secret":
		mod.audit(m, file, typ, k, ref)
	case "aws_lb_listener", "aws_alb_listener", "aws_sqs_queue", "aws_sns_topic", "aws_cloudfront_distribution":
		mod.edge(m, file, typ, k, ref)
	}
}

// storage maps S3 buckets and the settings declared on their own resources.
func (mod *module) storage(m *aws.Model, file, typ string, k attrs, ref aws.Ref) {
	switch typ {
	case "aws_s3_bucket":
		b := &aws.Bucket{Ref: ref}
		if n, _, ok := str(k, "bucket"); ok {
			mod.bucketNames[n] = ref.Address
		}
		if acl, line, ok := str(k, "acl"); ok {
			b.ACL = acl
			b.Set("acl", line)
		}
		for _, v := range k.blocks("versioning") {
			b.Versioning = boolean(v, "enabled", &b.Ref, "versioning")
		}
		if len(k.blocks("logging")) > 0 {
			b.Logging = aws.True
		}
		if len(k.blocks("server_side_encryption_configuration")) > 0 {
			b.Encryption = aws.True
		}
		m.Buckets = append(m.Buckets, b)
	case "aws_s3_bucket_acl":
		acl, line, ok := str(k, "acl")
		if ok {
			mod.part(m, k, func(b *aws.Bucket) { b.ACL = acl; setIfSame(b, file, "acl", line) })
		}
	case "aws_s3_bucket_versioning":
		for _, vc := range k.blocks("versioning_configuration") {
			st, line, ok := str(vc, "status")
			v := aws.Unknown
			if ok {
				v = aws.BoolOf(st == "Enabled")
			}
			mod.part(m, k, func(b *aws.Bucket) { b.Versioning = v; setIfSame(b, file, "versioning", line) })
		}
	case "aws_s3_bucket_logging":
		mod.part(m, k, func(b *aws.Bucket) { b.Logging = aws.True })
	case "aws_s3_bucket_server_side_encryption_configuration":
		mod.part(m, k, func(b *aws.Bucket) { b.Encryption = aws.True })
	case "aws_s3_bucket_public_access_block":
		p := &aws.PublicAccessBlock{Ref: ref}
		p.BlockPublicACLs = boolean(k, "block_public_acls", &p.Ref, "block_public_acls")
		p.BlockPublicPolicy = boolean(k, "block_public_policy", &p.Ref, "block_public_policy")
		p.IgnorePublicACLs = boolean(k, "ignore_public_acls", &p.Ref, "ignore_public_acls")
		p.RestrictPublicBuckets = boolean(k, "restrict_public_buckets", &p.Ref, "restrict_public_buckets")
		mod.part(m, k, func(b *aws.Bucket) { b.PublicAccessBlock = p })
	}
}

// network maps security groups and their rules.
func (mod *module) network(m *aws.Model, file, typ string, k attrs, ref aws.Ref) {
	switch typ {
	case "aws_security_group":
		for _, dir := range []string{"ingress", "egress"} {
			for _, r := range k.blocks(dir) {
				rr := aws.Ref{File: file, Address: ref.Address, Line: r.line()}
				m.SGRules = append(m.SGRules, sgRule(r, rr, dir == "ingress", "protocol", "cidr_blocks", "ipv6_cidr_blocks"))
			}
		}
	case "aws_security_group_rule":
		t, _, _ := str(k, "type")
		m.SGRules = append(m.SGRules, sgRule(k, ref, t == "ingress", "protocol", "cidr_blocks", "ipv6_cidr_blocks"))
	case "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule":
		m.SGRules = append(m.SGRules, sgRule(k, ref, typ == "aws_vpc_security_group_ingress_rule", "ip_protocol", "cidr_ipv4", "cidr_ipv6"))
	case "aws_subnet":
		sn := &aws.Subnet{Ref: ref}
		sn.PublicIP = boolean(k, "map_public_ip_on_launch", &sn.Ref, "public_ip")
		m.Subnets = append(m.Subnets, sn)
	case "aws_vpc":
		m.VPCs = append(m.VPCs, &aws.VPC{Ref: ref})
	case "aws_flow_log":
		fl := &aws.FlowLog{Ref: ref}
		if _, line, ok := k.value("vpc_id"); ok {
			fl.Set("vpc", line)
			fl.Unresolved = true
			for _, r := range k.refs("vpc_id") {
				if strings.HasPrefix(r, "aws_vpc.") {
					fl.VPC, fl.Unresolved = r, false
				}
			}
		}
		m.FlowLogs = append(m.FlowLogs, fl)
	}
}

// databases maps databases, volumes, file systems and caches.
func (mod *module) databases(m *aws.Model, file, typ string, k attrs, ref aws.Ref) {
	switch typ {
	case "aws_db_instance", "aws_rds_cluster":
		d := &aws.Database{Ref: ref, BackupRetention: -1}
		d.Encrypted = boolean(k, "storage_encrypted", &d.Ref, "encrypted")
		d.Public = boolean(k, "publicly_accessible", &d.Ref, "public")
		d.DeletionProtection = boolean(k, "deletion_protection", &d.Ref, "deletion_protection")
		d.IAMAuth = boolean(k, "iam_database_authentication_enabled", &d.Ref, "iam_auth")
		if n, line, ok := num(k, "backup_retention_period"); ok {
			d.BackupRetention = n
			d.Set("backup_retention", line)
		}
		m.Databases = append(m.Databases, d)
	case "aws_ebs_volume":
		v := &aws.Volume{Ref: ref}
		v.Encrypted = boolean(k, "encrypted", &v.Ref, "encrypted")
		m.Volumes = append(m.Volumes, v)
	case "aws_ebs_encryption_by_default":
		// enabled defaults to true: declaring the resource turns encryption by default on.
		on := boolean(k, "enabled", &ref, "enabled")
		if on == aws.Unset {
			on = aws.True
		}
		if m.EBSDefaultEncryption != aws.True {
			m.EBSDefaultEncryption = on
		}
	case "aws_elasticache_replication_group":
		c := &aws.Cache{Ref: ref}
		c.AtRest = boolean(k, "at_rest_encryption_enabled", &c.Ref, "at_rest")
		c.InTransit = boolean(k, "transit_encryption_enabled", &c.Ref, "in_transit")
		m.CacheClusters = append(m.CacheClusters, c)
	case "aws_efs_file_system":
		f := &aws.FileSystem{Ref: ref}
		f.Encrypted = boolean(k, "encrypted", &f.Ref, "encrypted")
		m.FileSystems = append(m.FileSystems, f)
	}
}

// identity maps IAM policies, roles and keys.
func (mod *module) identity(m *aws.Model, file, typ string, k attrs, ref aws.Ref) {
	switch typ {
	case "aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy":
		mod.policyAttr(m, k, ref, "policy", false)
	case "aws_s3_bucket_policy", "aws_sqs_queue_policy", "aws_sns_topic_policy":
		mod.policyAttr(m, k, ref, "policy", true)
	case "aws_iam_role":
		mod.policyAttr(m, k, ref, "assume_role_policy", true)
		for _, ip := range k.blocks("inline_policy") {
			mod.policyAttr(m, ip, aws.Ref{File: file, Address: ref.Address, Line: ip.line()}, "policy", false)
		}
	case "aws_kms_key":
		key := &aws.Key{Ref: ref, Symmetric: true}
		key.Rotation = boolean(k, "enable_key_rotation", &key.Ref, "rotation")
		if spec, _, ok := str(k, "customer_master_key_spec"); ok && spec != "SYMMETRIC_DEFAULT" {
			key.Symmetric = false
		}
		m.Keys = append(m.Keys, key)
	}
}

// compute maps instances, launch templates, clusters, registries and functions.
func (mod *module) compute(m *aws.Model, file, typ string, k attrs, ref aws.Ref) {
	switch typ {
	case "aws_instance", "aws_launch_template", "aws_launch_configuration":
		mod.instance(m, k, ref, typ)
	case "aws_eks_cluster":
		c := &aws.Cluster{Ref: ref, PublicEndpoint: aws.True}
		for _, vc := range k.blocks("vpc_config") {
			if v := boolean(vc, "endpoint_public_access", &c.Ref, "public_endpoint"); v != aws.Unset {
				c.PublicEndpoint = v
			} else {
				c.Set("public_endpoint", vc.line())
			}
			c.PublicCIDRs, _ = strList(vc, "public_access_cidrs")
		}
		c.Logging, _ = strList(k, "enabled_cluster_log_types")
		if len(k.blocks("encryption_config")) > 0 {
			c.SecretsEncryption = aws.True
		}
		m.Clusters = append(m.Clusters, c)
	case "aws_ecr_repository":
		r := &aws.Registry{Ref: ref}
		for _, sc := range k.blocks("image_scanning_configuration") {
			r.ScanOnPush = boolean(sc, "scan_on_push", &r.Ref, "scan_on_push")
		}
		if v, line, ok := str(k, "image_tag_mutability"); ok {
			r.Immutable = aws.BoolOf(strings.HasPrefix(v, "IMMUTABLE"))
			r.Set("immutable", line)
		}
		if len(k.blocks("encryption_configuration")) > 0 {
			r.KMSEncrypted = aws.True
		}
		m.Registries = append(m.Registries, r)
	case "aws_lambda_function":
		f := &aws.Function{Ref: ref, Env: map[string]string{}}
		for _, tc := range k.blocks("tracing_config") {
			if mode, line, ok := str(tc, "mode"); ok {
				f.Tracing = aws.BoolOf(mode == "Active")
				f.Set("tracing", line)
			}
		}
		for _, env := range k.blocks("environment") {
			v, line, ok := env.value("variables")
			if ok && known(v) && (v.Type().IsObjectType() || v.Type().IsMapType()) {
				f.Set("environment", line)
				for kk, vv := range v.AsValueMap() {
					if s, err := convert.Convert(vv, cty.String); err == nil && known(s) {
						f.Env[kk] = s.AsString()
					}
				}
			}
		}
		if len(k.blocks("logging_config")) > 0 {
			f.LogGroup = aws.True
		}
		m.Functions = append(m.Functions, f)
	case "aws_lambda_function_url":
		u := &aws.FunctionURL{Ref: ref}
		if v, line, ok := str(k, "authorization_type"); ok {
			u.AuthType = v
			u.Set("auth", line)
		}
		m.FunctionURLs = append(m.FunctionURLs, u)
	}
}

// audit maps trails, API stages, log groups and secrets.
func (mod *module) audit(m *aws.Model, file, typ string, k attrs, ref aws.Ref) {
	switch typ {
	case "aws_cloudtrail":
		t := &aws.Trail{Ref: ref}
		t.MultiRegion = boolean(k, "is_multi_region_trail", &t.Ref, "multi_region")
		t.LogValidation = boolean(k, "enable_log_file_validation", &t.Ref, "log_validation")
		t.KMSKey = present(k, "kms_key_id", &t.Ref, "kms")
		m.Trails = append(m.Trails, t)
	case "aws_api_gateway_stage", "aws_apigatewayv2_stage":
		s := &aws.APIStage{Ref: ref}
		if len(k.blocks("access_log_settings")) > 0 {
			s.AccessLogs = aws.True
		}
		s.Tracing = boolean(k, "xray_tracing_enabled", &s.Ref, "tracing")
		if typ == "aws_apigatewayv2_stage" {
			s.Tracing = aws.Unknown // HTTP APIs have no X-Ray tracing setting
		}
		m.APIStages = append(m.APIStages, s)
	case "aws_cloudwatch_log_group":
		g := &aws.LogGroup{Ref: ref}
		if n, line, ok := num(k, "retention_in_days"); ok {
			g.Retention = n
			g.Set("retention", line)
		} else if _, _, written := k.value("retention_in_days"); written {
			g.Retention = -1 // written but not resolvable
		}
		g.KMS = present(k, "kms_key_id", &g.Ref, "kms")
		m.LogGroups = append(m.LogGroups, g)
	case "aws_secretsmanager_secret":
		s := &aws.Secret{Ref: ref}
		s.KMS = present(k, "kms_key_id", &s.Ref, "kms")
		m.SecretsManager = append(m.SecretsManager, s)
	}
}

// edge maps load balancers, CDN distributions, queues and topics.
func (mod *module) edge(m *aws.Model, file, typ string, k attrs, ref aws.Ref) {
	switch typ {
	case "aws_lb_listener", "aws_alb_listener":
		l := &aws.Listener{Ref: ref}
		if p, line, ok := str(k, "protocol"); ok {
			l.Protocol = p
			l.Set("protocol", line)
		}
		if p, line, ok := str(k, "ssl_policy"); ok {
			l.SSLPolicy = p
			l.Set("ssl_policy", line)
		}
		for _, a := range k.blocks("default_action") {
			if t, _, _ := str(a, "type"); t == "redirect" {
				l.Redirect = true
			}
		}
		m.Listeners = append(m.Listeners, l)
	case "aws_sqs_queue", "aws_sns_topic":
		q := &aws.Queue{Ref: ref, Kind: "SQS queue"}
		if typ == "aws_sns_topic" {
			q.Kind = "SNS topic"
		}
		q.Encrypted = present(k, "kms_master_key_id", &q.Ref, "encrypted")
		if typ == "aws_sqs_queue" {
			if v := boolean(k, "sqs_managed_sse_enabled", &q.Ref, "encrypted"); v != aws.Unset {
				q.Encrypted = v
			} else if q.Encrypted == aws.Unset {
				q.Encrypted = aws.True // SQS encrypts new queues with SSE-SQS by default
			}
		}
		m.Queues = append(m.Queues, q)
	case "aws_cloudfront_distribution":
		d := &aws.Distribution{Ref: ref}
		for _, cb := range k.blocks("default_cache_behavior") {
			if v, line, ok := str(cb, "viewer_protocol_policy"); ok {
				d.ViewerProtocol = v
				d.Set("viewer_protocol", line)
			}
		}
		for _, vc := range k.blocks("viewer_certificate") {
			if v, line, ok := str(vc, "minimum_protocol_version"); ok {
				d.MinTLS = v
				d.Set("min_tls", line)
			}
		}
		m.Distributions = append(m.Distributions, d)
	}
}

// present says whether an attribute is written with a non-empty value.
func present(k attrs, name string, ref *aws.Ref, field string) aws.Bool {
	v, line, ok := k.value(name)
	if !ok {
		return aws.Unset
	}
	ref.Set(field, line)
	if !known(v) {
		return aws.Unknown
	}
	if v.Type() == cty.String && v.AsString() == "" {
		return aws.False
	}
	return aws.True
}

func sgRule(k attrs, ref aws.Ref, ingress bool, protoAttr, v4, v6 string) *aws.SGRule {
	r := &aws.SGRule{Ref: ref, Ingress: ingress, FromPort: -1, ToPort: -1}
	if p, line, ok := str(k, protoAttr); ok {
		r.Protocol = strings.ToLower(p)
		r.Set("protocol", line)
	}
	if n, line, ok := num(k, "from_port"); ok {
		r.FromPort = n
		r.Set("ports", line)
	}
	if n, _, ok := num(k, "to_port"); ok {
		r.ToPort = n
	}
	// The finding points at the first attribute admitting the internet, else the first written.
	worldAt := false
	for _, attr := range []string{v4, v6} {
		l, line := strList(k, attr)
		if len(l) == 0 {
			if s, sl, ok := str(k, attr); ok {
				l, line = []string{s}, sl
			}
		}
		if len(l) == 0 {
			continue
		}
		r.CIDRs = append(r.CIDRs, l...)
		w := slices.Contains(l, "0.0.0.0/0") || slices.Contains(l, "::/0")
		if _, set := r.Fields["cidr"]; !set || (w && !worldAt) {
			r.Set("cidr", line)
		}
		worldAt = worldAt || w
	}
	r.Description, _, _ = str(k, "description")
	r.HasDescription = present(k, "description", &r.Ref, "description")
	return r
}

func (mod *module) instance(m *aws.Model, k attrs, ref aws.Ref, typ string) {
	in := &aws.Instance{Ref: ref, RootDevice: aws.Unknown}
	fromTemplate := len(k.blocks("launch_template")) > 0
	mos := k.blocks("metadata_options")
	for _, mo := range mos {
		if v, line, ok := str(mo, "http_tokens"); ok {
			in.IMDSv2 = aws.BoolOf(v == "required")
			in.Set("imds", line)
		} else if _, line, written := mo.value("http_tokens"); written {
			in.IMDSv2 = aws.Unknown
			in.Set("imds", line)
		} else {
			in.Set("imds", mo.line())
		}
		// With the endpoint off there is no metadata service to abuse.
		if v, _, ok := str(mo, "http_endpoint"); ok && v == "disabled" {
			in.IMDSv2 = aws.True
		}
	}
	if len(mos) == 0 && fromTemplate {
		in.IMDSv2 = aws.Unknown // the launch template decides
	}
	if typ == "aws_instance" {
		switch {
		case len(k.blocks("root_block_device")) > 0:
			in.RootDevice = aws.True
		case !fromTemplate:
			in.RootDevice = aws.Unset
		}
	}
	in.PublicIP = boolean(k, "associate_public_ip_address", &in.Ref, "public_ip")
	for _, ni := range k.blocks("network_interfaces") {
		if v := boolean(ni, "associate_public_ip_address", &in.Ref, "public_ip"); v != aws.Unset {
			in.PublicIP = v
		}
	}
	if ud, line, ok := str(k, "user_data"); ok {
		in.UserData = ud
		in.Set("user_data", line)
	}
	if typ == "aws_launch_configuration" {
		m.LaunchConfigs = append(m.LaunchConfigs, in)
	} else {
		m.Instances = append(m.Instances, in)
	}
	// Block devices declared inline are volumes too.
	for _, name := range []string{"root_block_device", "ebs_block_device"} {
		for _, bd := range k.blocks(name) {
			v := &aws.Volume{Ref: aws.Ref{File: ref.File, Address: ref.Address + "." + name, Line: bd.line()}}
			v.Encrypted = boolean(bd, "encrypted", &v.Ref, "encrypted")
			m.Volumes = append(m.Volumes, v)
		}
	}
	for _, bdm := range k.blocks("block_device_mappings") {
		for _, ebs := range bdm.blocks("ebs") {
			v := &aws.Volume{Ref: aws.Ref{File: ref.File, Address: ref.Address + ".block_device_mappings", Line: ebs.line()}}
			v.Encrypted = boolean(ebs, "encrypted", &v.Ref, "encrypted")
			m.Volumes = append(m.Volumes, v)
		}
	}
}

// policyAttr reads a JSON policy document from an attribute (a heredoc, jsonencode(…), or a
// string); a reference to a data.aws_iam_policy_document is read where that block is declared.
func (mod *module) policyAttr(m *aws.Model, k attrs, ref aws.Ref, attr string, resource bool) {
	s, line, ok := str(k, attr)
	if !ok || strings.TrimSpace(s) == "" {
		return // not resolvable here, or conditionally empty
	}
	ref.Set("statement", line)
	stmts, err := aws.ParsePolicy(s, line)
	if err != nil {
		mod.problem = append(mod.problem, problemAt(ref.File, line, ref.Address+": "+attr+": "+err.Error()))
		return
	}
	m.Policies = append(m.Policies, &aws.PolicyDoc{Ref: ref, Statements: stmts, Resource: resource})
}

// policyDocument reads a data "aws_iam_policy_document" block.
func (mod *module) policyDocument(m *aws.Model, file, address string, k attrs) {
	doc := &aws.PolicyDoc{Ref: aws.Ref{File: file, Address: address, Line: k.line()}}
	for _, st := range k.blocks("statement") {
		s := aws.Statement{Line: st.line(), Effect: "Allow"}
		if e, _, ok := str(st, "effect"); ok {
			s.Effect = e
		}
		s.Actions, _ = strList(st, "actions")
		s.NotActions, _ = strList(st, "not_actions")
		s.Resources, _ = strList(st, "resources")
		for _, p := range st.blocks("principals") {
			ids, _ := strList(p, "identifiers")
			s.Principals = append(s.Principals, ids...)
			doc.Resource = true
		}
		s.Conditions = len(st.blocks("condition")) > 0
		doc.Statements = append(doc.Statements, s)
	}
	m.Policies = append(m.Policies, doc)
}

// part records a bucket setting declared on a separate resource; merge applies it.
func (mod *module) part(m *aws.Model, k attrs, apply func(b *aws.Bucket)) {
	refs := k.refs("bucket")
	if len(refs) == 0 {
		// The bucket is named by a literal: match it against buckets' bucket attributes.
		if name, _, ok := str(k, "bucket"); ok {
			refs = []string{"name:" + name}
		}
	}
	for _, r := range refs {
		mod.parts = append(mod.parts, s3Part{bucket: r, apply: apply})
	}
}

// setIfSame records a field's line on a bucket only when the setting is in the bucket's file;
// otherwise the finding points at the bucket itself.
func setIfSame(b *aws.Bucket, file, field string, line int) {
	if b.File == file {
		b.Set(field, line)
	}
}

// merge applies the settings declared on separate S3 resources to their buckets.
func (mod *module) merge(m *aws.Model) {
	byAddr := map[string]*aws.Bucket{}
	for _, b := range m.Buckets {
		byAddr[b.Address] = b
	}
	for _, p := range mod.parts {
		addr := p.bucket
		if name, ok := strings.CutPrefix(addr, "name:"); ok {
			addr = mod.bucketNames[name]
		}
		if b, ok := byAddr[addr]; ok {
			p.apply(b)
		}
	}
}

func problemAt(file string, line int, msg string) finding.Problem {
	return finding.Problem{Path: file, Line: line, Kind: finding.ProblemParse, Scanner: "iac", Message: msg}
}
