package cloudformation

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/palisade-sec/palisade/internal/iac/aws"
)

// resource maps one resource into the model.
func (t *template) resource(m *aws.Model, typ string, p node, ref aws.Ref) {
	switch typ {
	case "AWS::S3::Bucket":
		t.storage(m, typ, p, ref)
	case "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress", "AWS::EC2::Subnet", "AWS::EC2::VPC", "AWS::EC2::FlowLog":
		t.network(m, typ, p, ref)
	case "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::EC2::Volume", "AWS::ElastiCache::ReplicationGroup", "AWS::EFS::FileSystem":
		t.databases(m, typ, p, ref)
	case "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group", "AWS::KMS::Key":
		t.identity(m, typ, p, ref)
	case "AWS::EC2::Instance", "AWS::EC2::LaunchTemplate", "AWS::EKS::Cluster", "AWS::ECR::Repository", "AWS::Lambda::Function", "AWS::Serverless::Function", "AWS::Lambda::Url":
		t.compute(m, typ, p, ref)
	case "AWS::CloudTrail::Trail", "AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage", "AWS::Logs::LogGroup", "AWS::SecretsManager::Secret":
		t.audit(m, typ, p, ref)
	case "AWS::ElasticLoadBalancingV2::Listener", "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::CloudFront::Distribution":
		t.edge(m, typ, p, ref)
	}
}

// storage maps S3 buckets and the settings declared on their own resources.
func (t *template) storage(m *aws.Model, typ string, p node, ref aws.Ref) {
	switch typ {
	case "AWS::S3::Bucket":
		b := &aws.Bucket{Ref: ref}
		if acl, ok := p.str("AccessControl"); ok {
			b.ACL = acl
			b.Set("acl", p.line("AccessControl"))
		}
		b.Encryption = p.present(&b.Ref, "encryption", "BucketEncryption")
		if st, ok := p.str("VersioningConfiguration", "Status"); ok {
			b.Versioning = aws.BoolOf(st == "Enabled")
			b.Set("versioning", p.line("VersioningConfiguration", "Status"))
		}
		b.Logging = p.present(&b.Ref, "logging", "LoggingConfiguration")
		if p.get("PublicAccessBlockConfiguration") != nil {
			pab := &aws.PublicAccessBlock{Ref: ref}
			pab.Line = p.line("PublicAccessBlockConfiguration")
			pab.BlockPublicACLs = p.boolean(&pab.Ref, "block_public_acls", "PublicAccessBlockConfiguration", "BlockPublicAcls")
			pab.BlockPublicPolicy = p.boolean(&pab.Ref, "block_public_policy", "PublicAccessBlockConfiguration", "BlockPublicPolicy")
			pab.IgnorePublicACLs = p.boolean(&pab.Ref, "ignore_public_acls", "PublicAccessBlockConfiguration", "IgnorePublicAcls")
			pab.RestrictPublicBuckets = p.boolean(&pab.Ref, "restrict_public_buckets", "PublicAccessBlockConfiguration", "RestrictPublicBuckets")
			b.PublicAccessBlock = pab
		}
		m.Buckets = append(m.Buckets, b)
	}
}

// network maps security groups and their rules.
func (t *template) network(m *aws.Model, typ string, p node, ref aws.Ref) {
	switch typ {
	case "AWS::EC2::SecurityGroup":
		for _, dir := range []string{"SecurityGroupIngress", "SecurityGroupEgress"} {
			for _, r := range p.list(dir) {
				rr := ref
				rr.Line = r.n.Line
				m.SGRules = append(m.SGRules, sgRule(r, rr, dir == "SecurityGroupIngress"))
			}
		}
	case "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress":
		m.SGRules = append(m.SGRules, sgRule(p, ref, typ == "AWS::EC2::SecurityGroupIngress"))
	case "AWS::EC2::Subnet":
		sn := &aws.Subnet{Ref: ref}
		sn.PublicIP = p.boolean(&sn.Ref, "public_ip", "MapPublicIpOnLaunch")
		m.Subnets = append(m.Subnets, sn)
	case "AWS::EC2::VPC":
		m.VPCs = append(m.VPCs, &aws.VPC{Ref: ref})
	case "AWS::EC2::FlowLog":
		fl := &aws.FlowLog{Ref: ref}
		if rt, ok := p.str("ResourceType"); !ok || rt == "VPC" {
			fl.Set("vpc", p.line("ResourceId"))
			if name, ok := t.resourceRef(p.get("ResourceId")); ok {
				fl.VPC = name
			} else {
				fl.Unresolved = true
			}
		}
		m.FlowLogs = append(m.FlowLogs, fl)
	}
}

// databases maps databases, volumes, file systems and caches.
func (t *template) databases(m *aws.Model, typ string, p node, ref aws.Ref) {
	switch typ {
	case "AWS::RDS::DBInstance", "AWS::RDS::DBCluster":
		d := &aws.Database{Ref: ref, BackupRetention: -1}
		d.Encrypted = p.boolean(&d.Ref, "encrypted", "StorageEncrypted")
		d.Public = p.boolean(&d.Ref, "public", "PubliclyAccessible")
		d.DeletionProtection = p.boolean(&d.Ref, "deletion_protection", "DeletionProtection")
		d.IAMAuth = p.boolean(&d.Ref, "iam_auth", "EnableIAMDatabaseAuthentication")
		if n, ok := p.num("BackupRetentionPeriod"); ok {
			d.BackupRetention = n
			d.Set("backup_retention", p.line("BackupRetentionPeriod"))
		}
		if typ == "AWS::RDS::DBInstance" && p.get("DBClusterIdentifier") != nil {
			return // encryption and backups are the cluster's
		}
		m.Databases = append(m.Databases, d)
	case "AWS::EC2::Volume":
		v := &aws.Volume{Ref: ref}
		v.Encrypted = p.boolean(&v.Ref, "encrypted", "Encrypted")
		m.Volumes = append(m.Volumes, v)
	case "AWS::ElastiCache::ReplicationGroup":
		c := &aws.Cache{Ref: ref}
		c.AtRest = p.boolean(&c.Ref, "at_rest", "AtRestEncryptionEnabled")
		c.InTransit = p.boolean(&c.Ref, "in_transit", "TransitEncryptionEnabled")
		m.CacheClusters = append(m.CacheClusters, c)
	case "AWS::EFS::FileSystem":
		f := &aws.FileSystem{Ref: ref}
		f.Encrypted = p.boolean(&f.Ref, "encrypted", "Encrypted")
		m.FileSystems = append(m.FileSystems, f)
	}
}

// identity maps IAM policies, roles and keys.
func (t *template) identity(m *aws.Model, typ string, p node, ref aws.Ref) {
	switch typ {
	case "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy":
		t.policy(m, p, ref, true, "PolicyDocument")
	case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
		t.policy(m, p, ref, false, "PolicyDocument")
	case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
		if typ == "AWS::IAM::Role" {
			t.policy(m, p, ref, true, "AssumeRolePolicyDocument")
		}
		for _, ip := range p.list("Policies") {
			r := ref
			r.Line = ip.n.Line
			t.policy(m, ip, r, false, "PolicyDocument")
		}
	case "AWS::KMS::Key":
		k := &aws.Key{Ref: ref, Symmetric: true}
		k.Rotation = p.boolean(&k.Ref, "rotation", "EnableKeyRotation")
		if spec, ok := p.str("KeySpec"); ok && spec != "SYMMETRIC_DEFAULT" {
			k.Symmetric = false
		}
		m.Keys = append(m.Keys, k)
	}
}

// compute maps instances, launch templates, clusters, registries and functions.
func (t *template) compute(m *aws.Model, typ string, p node, ref aws.Ref) {
	switch typ {
	case "AWS::EC2::Instance":
		t.instance(m, p, ref, false)
	case "AWS::EC2::LaunchTemplate":
		t.instance(m, node{t: t, n: p.get("LaunchTemplateData")}, ref, true)
	case "AWS::EKS::Cluster":
		c := &aws.Cluster{Ref: ref, PublicEndpoint: aws.True}
		c.Set("public_endpoint", p.line("ResourcesVpcConfig"))
		if v := p.boolean(&c.Ref, "public_endpoint", "ResourcesVpcConfig", "EndpointPublicAccess"); v != aws.Unset {
			c.PublicEndpoint = v
		}
		c.PublicCIDRs = p.strList("ResourcesVpcConfig", "PublicAccessCidrs")
		for _, e := range p.list("Logging", "ClusterLogging", "EnabledTypes") {
			if s, ok := e.str("Type"); ok {
				c.Logging = append(c.Logging, s)
			}
		}
		c.SecretsEncryption = p.present(&c.Ref, "encryption", "EncryptionConfig")
		m.Clusters = append(m.Clusters, c)
	case "AWS::ECR::Repository":
		r := &aws.Registry{Ref: ref}
		r.ScanOnPush = p.boolean(&r.Ref, "scan_on_push", "ImageScanningConfiguration", "ScanOnPush")
		if v, ok := p.str("ImageTagMutability"); ok {
			r.Immutable = aws.BoolOf(strings.HasPrefix(v, "IMMUTABLE"))
			r.Set("immutable", p.line("ImageTagMutability"))
		}
		r.KMSEncrypted = p.present(&r.Ref, "kms", "EncryptionConfiguration")
		m.Registries = append(m.Registries, r)
	case "AWS::Lambda::Function", "AWS::Serverless::Function":
		f := &aws.Function{Ref: ref, Env: map[string]string{}}
		if mode, ok := p.str("TracingConfig", "Mode"); ok {
			f.Tracing = aws.BoolOf(mode == "Active")
			f.Set("tracing", p.line("TracingConfig", "Mode"))
		} else if mode, ok := p.str("Tracing"); ok {
			f.Tracing = aws.BoolOf(mode == "Active")
			f.Set("tracing", p.line("Tracing"))
		}
		if vars, ok := p.val("Environment", "Variables").(map[string]any); ok {
			f.Set("environment", p.line("Environment", "Variables"))
			for k, v := range vars {
				if s, ok := v.(string); ok {
					f.Env[k] = s
				}
			}
		}
		f.LogGroup = p.present(&f.Ref, "logging", "LoggingConfig")
		m.Functions = append(m.Functions, f)
	case "AWS::Lambda::Url":
		u := &aws.FunctionURL{Ref: ref}
		u.AuthType, _ = p.str("AuthType")
		u.Set("auth", p.line("AuthType"))
		m.FunctionURLs = append(m.FunctionURLs, u)
	}
}

// audit maps trails, API stages, log groups and secrets.
func (t *template) audit(m *aws.Model, typ string, p node, ref aws.Ref) {
	switch typ {
	case "AWS::CloudTrail::Trail":
		tr := &aws.Trail{Ref: ref}
		tr.MultiRegion = p.boolean(&tr.Ref, "multi_region", "IsMultiRegionTrail")
		tr.LogValidation = p.boolean(&tr.Ref, "log_validation", "EnableLogFileValidation")
		tr.KMSKey = p.present(&tr.Ref, "kms", "KMSKeyId")
		m.Trails = append(m.Trails, tr)
	case "AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage":
		s := &aws.APIStage{Ref: ref}
		s.AccessLogs = p.present(&s.Ref, "access_logs", "AccessLogSetting")
		if typ == "AWS::ApiGatewayV2::Stage" {
			s.AccessLogs = p.present(&s.Ref, "access_logs", "AccessLogSettings")
			s.Tracing = aws.Unknown
		} else {
			s.Tracing = p.boolean(&s.Ref, "tracing", "TracingEnabled")
		}
		m.APIStages = append(m.APIStages, s)
	case "AWS::Logs::LogGroup":
		g := &aws.LogGroup{Ref: ref}
		if n, ok := p.num("RetentionInDays"); ok {
			g.Retention = n
			g.Set("retention", p.line("RetentionInDays"))
		} else if p.get("RetentionInDays") != nil {
			g.Retention = -1
		}
		g.KMS = p.present(&g.Ref, "kms", "KmsKeyId")
		m.LogGroups = append(m.LogGroups, g)
	case "AWS::SecretsManager::Secret":
		s := &aws.Secret{Ref: ref}
		s.KMS = p.present(&s.Ref, "kms", "KmsKeyId")
		m.SecretsManager = append(m.SecretsManager, s)
	}
}

// edge maps load balancers, CDN distributions, queues and topics.
func (t *template) edge(m *aws.Model, typ string, p node, ref aws.Ref) {
	switch typ {
	case "AWS::ElasticLoadBalancingV2::Listener":
		l := &aws.Listener{Ref: ref}
		l.Protocol, _ = p.str("Protocol")
		l.Set("protocol", p.line("Protocol"))
		l.SSLPolicy, _ = p.str("SslPolicy")
		l.Set("ssl_policy", p.line("SslPolicy"))
		for _, a := range p.list("DefaultActions") {
			if t, _ := a.str("Type"); t == "redirect" {
				l.Redirect = true
			}
		}
		m.Listeners = append(m.Listeners, l)
	case "AWS::SQS::Queue", "AWS::SNS::Topic":
		q := &aws.Queue{Ref: ref, Kind: "SQS queue"}
		q.Encrypted = p.present(&q.Ref, "encrypted", "KmsMasterKeyId")
		if typ == "AWS::SNS::Topic" {
			q.Kind = "SNS topic"
		} else if v := p.boolean(&q.Ref, "encrypted", "SqsManagedSseEnabled"); v != aws.Unset {
			q.Encrypted = v
		} else if q.Encrypted == aws.Unset {
			q.Encrypted = aws.True // SSE-SQS is the default for new queues
		}
		m.Queues = append(m.Queues, q)
	case "AWS::CloudFront::Distribution":
		d := &aws.Distribution{Ref: ref}
		d.ViewerProtocol, _ = p.str("DistributionConfig", "DefaultCacheBehavior", "ViewerProtocolPolicy")
		d.Set("viewer_protocol", p.line("DistributionConfig", "DefaultCacheBehavior", "ViewerProtocolPolicy"))
		d.MinTLS, _ = p.str("DistributionConfig", "ViewerCertificate", "MinimumProtocolVersion")
		d.Set("min_tls", p.line("DistributionConfig", "ViewerCertificate", "MinimumProtocolVersion"))
		m.Distributions = append(m.Distributions, d)
	}
}

func sgRule(p node, ref aws.Ref, ingress bool) *aws.SGRule {
	r := &aws.SGRule{Ref: ref, Ingress: ingress, FromPort: -1, ToPort: -1}
	if v, ok := p.str("IpProtocol"); ok {
		r.Protocol = strings.ToLower(v)
		r.Set("protocol", p.line("IpProtocol"))
	}
	if n, ok := p.num("FromPort"); ok {
		r.FromPort = n
		r.Set("ports", p.line("FromPort"))
	}
	if n, ok := p.num("ToPort"); ok {
		r.ToPort = n
	}
	for _, k := range []string{"CidrIp", "CidrIpv6"} {
		if v, ok := p.str(k); ok {
			r.CIDRs = append(r.CIDRs, v)
			r.Set("cidr", p.line(k))
		}
	}
	r.Description, _ = p.str("Description")
	r.HasDescription = p.present(&r.Ref, "description", "Description")
	return r
}

func (t *template) instance(m *aws.Model, p node, ref aws.Ref, template bool) {
	in := &aws.Instance{Ref: ref, RootDevice: aws.Unknown}
	fromTemplate := !template && p.get("LaunchTemplate") != nil
	switch v, ok := p.str("MetadataOptions", "HttpTokens"); {
	case ok:
		in.IMDSv2 = aws.BoolOf(v == "required")
		in.Set("imds", p.line("MetadataOptions", "HttpTokens"))
	case p.get("MetadataOptions", "HttpTokens") != nil:
		in.IMDSv2 = aws.Unknown
		in.Set("imds", p.line("MetadataOptions", "HttpTokens"))
	case fromTemplate:
		in.IMDSv2 = aws.Unknown // the launch template decides
	}
	// With the endpoint off there is no metadata service to abuse.
	if v, ok := p.str("MetadataOptions", "HttpEndpoint"); ok && v == "disabled" {
		in.IMDSv2 = aws.True
	}
	if !template && !fromTemplate {
		in.RootDevice = rootDevice(p)
	}
	for _, ni := range p.list("NetworkInterfaces") {
		if v := ni.boolean(&in.Ref, "public_ip", "AssociatePublicIpAddress"); v != aws.Unset {
			in.PublicIP = v
			in.Set("public_ip", ni.line("AssociatePublicIpAddress"))
		}
	}
	if ud, ok := p.str("UserData"); ok {
		in.UserData = ud
		in.Set("user_data", p.line("UserData"))
	}
	m.Instances = append(m.Instances, in)
	for _, bd := range p.list("BlockDeviceMappings") {
		if bd.get("Ebs") == nil {
			continue
		}
		v := &aws.Volume{Ref: aws.Ref{File: ref.File, Address: ref.Address + ".BlockDeviceMappings", Line: bd.n.Line}}
		v.Encrypted = bd.boolean(&v.Ref, "encrypted", "Ebs", "Encrypted")
		m.Volumes = append(m.Volumes, v)
	}
}

// resourceRef returns the logical ID n refers to with Ref (!Ref X or {"Ref": "X"}) when that is a
// resource of the template, not a parameter or pseudo parameter.
func (t *template) resourceRef(n *yaml.Node) (string, bool) {
	if n == nil {
		return "", false
	}
	var name string
	switch {
	case n.Tag == "!Ref" && n.Kind == yaml.ScalarNode:
		name = n.Value
	case n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Ref" && n.Content[1].Kind == yaml.ScalarNode:
		name = n.Content[1].Value
	default:
		return "", false
	}
	return name, t.resources[name]
}

// rootDevice says whether an instance's block device mappings declare its root volume: True for
// an EBS mapping of a usual root device name, Unknown when a device name is not a literal.
func rootDevice(p node) aws.Bool {
	out := aws.Unset
	for _, bd := range p.list("BlockDeviceMappings") {
		if bd.get("Ebs") == nil {
			continue
		}
		name, ok := bd.str("DeviceName")
		switch {
		case !ok:
			out = aws.Unknown
		case name == "/dev/xvda" || name == "/dev/sda1" || name == "/dev/sda" || name == "xvda":
			return aws.True
		}
	}
	return out
}

func (t *template) policy(m *aws.Model, p node, ref aws.Ref, resource bool, field string) {
	st, ok := p.statements(field)
	if !ok {
		return
	}
	m.Policies = append(m.Policies, &aws.PolicyDoc{Ref: ref, Statements: st, Resource: resource})
}
