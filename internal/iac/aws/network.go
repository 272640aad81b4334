package aws

import (
	"slices"

	"github.com/palisade-sec/palisade/internal/finding"
)

// allTraffic reports whether rule r covers every protocol or every port.
func allTraffic(r *SGRule) bool {
	return r.Protocol == "-1" || r.Protocol == "all" || (r.FromPort == 0 && r.ToPort >= 65535)
}

func sgDescription() Check {
	return simple("aws-sg-rule-description", "Security group rule without a description", finding.SeverityLow,
		"A rule that does not say why it exists cannot be reviewed: nobody dares remove it, so stale openings pile up. This is a hygiene check, not an exposure.",
		"Give every ingress and egress rule a description naming the service and the reason (\"HTTPS from the office VPN\").", "description",
		func(m *Model) []*SGRule { return m.SGRules }, func(r *SGRule) *Ref { return &r.Ref },
		func(r *SGRule) bool { return r.HasDescription.Off() },
		[]string{
			tf("resource \"aws_security_group\" \"api\" {\n  name        = \"api\"\n  description = \"API servers\"\n  ingress { # want\n    from_port   = 8443\n    to_port     = 8443\n    protocol    = \"tcp\"\n    cidr_blocks = [\"10.20.0.0/16\"]\n  }\n  egress {\n    description = \"\" # want\n    from_port   = 5432\n    to_port     = 5432\n    protocol    = \"tcp\"\n    cidr_blocks = [\"10.30.0.0/16\"]\n  }\n}\n"),
			tf("# want\nresource \"aws_vpc_security_group_ingress_rule\" \"metrics\" {\n  security_group_id = aws_security_group.api.id\n  ip_protocol       = \"tcp\"\n  from_port         = 9100\n  to_port           = 9100\n  cidr_ipv4         = \"10.40.0.0/16\"\n}\n"),
			cfn("Resources:\n  Api:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: API servers\n      SecurityGroupIngress:\n        - IpProtocol: tcp # want\n          FromPort: 8443\n          ToPort: 8443\n          CidrIp: 10.20.0.0/16\n        - IpProtocol: tcp\n          FromPort: 22\n          ToPort: 22\n          CidrIp: 10.99.0.0/24\n          Description: SSH from the bastion subnet\n"),
		},
		[]string{
			tf("resource \"aws_security_group_rule\" \"https\" {\n  type        = \"ingress\"\n  description = \"HTTPS from the load balancer subnets\"\n  from_port   = 443\n  to_port     = 443\n  protocol    = \"tcp\"\n  cidr_blocks = [\"10.20.0.0/16\"]\n}\n"),
			tf("variable \"why\" {}\nresource \"aws_security_group_rule\" \"r\" {\n  type        = \"ingress\"\n  description = var.why\n  from_port   = 443\n  to_port     = 443\n  protocol    = \"tcp\"\n  cidr_blocks = [\"10.20.0.0/16\"]\n}\n"),
			cfn("Resources:\n  In:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !Ref Api\n      IpProtocol: tcp\n      FromPort: 443\n      ToPort: 443\n      CidrIp: 10.20.0.0/16\n      Description: HTTPS from the load balancer subnets\n"),
		},
		"governance:change-review")
}

func sgOpenEgress() Check {
	return Check{
		Rule: rule("aws-sg-open-egress", "Security group allows all outbound traffic to the internet", finding.SeverityLow,
			"An egress rule for every protocol or port to 0.0.0.0/0 or ::/0 lets a compromised workload download tools and exfiltrate data anywhere. "+
				"It is also AWS's own default for a new security group and what most workloads run with, so expect this on most templates; "+
				"it matters most for workloads holding sensitive data, which should reach only the endpoints they need. "+
				"A CloudFormation group that writes no egress rule gets the same default but is not reported: only written rules are.",
			"Limit egress to the ports and destinations the workload needs (HTTPS to a proxy or VPC endpoints, the database subnet), or route it through a filtering NAT or firewall.",
			"nsa-cisa:network-separation"),
		Run: func(m *Model, report Report) {
			for _, r := range m.SGRules {
				if !r.Ingress && allTraffic(r) && slices.ContainsFunc(r.CIDRs, world) {
					report(&r.Ref, "cidr", r.Address+" allows all outbound traffic to the internet")
				}
			}
		},
		Fail: []string{
			tf("resource \"aws_security_group\" \"worker\" {\n  name = \"worker\"\n  egress {\n    description      = \"anything out\"\n    from_port        = 0\n    to_port          = 0\n    protocol         = \"-1\"\n    cidr_blocks      = [\"0.0.0.0/0\"] # want\n    ipv6_cidr_blocks = [\"::/0\"]\n  }\n}\n"),
			tf("resource \"aws_vpc_security_group_egress_rule\" \"out\" {\n  security_group_id = aws_security_group.worker.id\n  ip_protocol       = \"tcp\"\n  from_port         = 0\n  to_port           = 65535\n  cidr_ipv6         = \"::/0\" # want\n}\n"),
			tf("resource \"aws_security_group_rule\" \"out\" {\n  type             = \"egress\"\n  from_port        = 0\n  to_port          = 0\n  protocol         = \"all\"\n  cidr_blocks      = [\"10.0.0.0/8\"]\n  ipv6_cidr_blocks = [\"::/0\"] # want\n}\n"),
			cfn("Resources:\n  Out:\n    Type: AWS::EC2::SecurityGroupEgress\n    Properties:\n      GroupId: !Ref Worker\n      IpProtocol: \"-1\"\n      CidrIp: 0.0.0.0/0 # want\n"),
		},
		Pass: []string{
			tf("resource \"aws_security_group\" \"worker\" {\n  egress {\n    description = \"HTTPS out\"\n    from_port   = 443\n    to_port     = 443\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n  egress {\n    description = \"anything inside the VPC\"\n    from_port   = 0\n    to_port     = 0\n    protocol    = \"-1\"\n    cidr_blocks = [\"10.0.0.0/8\"]\n  }\n}\n"),
			tf("resource \"aws_security_group\" \"web\" {\n  ingress {\n    from_port   = 0\n    to_port     = 0\n    protocol    = \"-1\"\n    cidr_blocks = [\"10.0.0.0/8\"]\n  }\n}\n"),
			cfn("Resources:\n  Worker:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: worker\n      SecurityGroupEgress:\n        - IpProtocol: tcp\n          FromPort: 443\n          ToPort: 443\n          CidrIp: 0.0.0.0/0\n"),
		},
	}
}

func rootVolumeEncrypted() Check {
	return Check{
		Rule: rule("aws-ec2-root-volume-encryption", "Instance root volume encryption not declared", finding.SeverityMedium,
			"An instance that declares no root block device gets its root volume's encryption from the AMI's snapshot, so the template does not say whether the disk — and snapshots of it — are encrypted. "+
				"The volume may still be encrypted by an encrypted AMI or by the account's EBS encryption by default set outside the template, hence medium rather than high. "+
				"A declared root or block device that is not encrypted is aws-ebs-encryption.",
			"Add root_block_device { encrypted = true } (an Ebs mapping with Encrypted: true for the root device in CloudFormation), or declare aws_ebs_encryption_by_default.",
			"cis-aws:2.2.1"),
		Run: func(m *Model, report Report) {
			if m.EBSDefaultEncryption == True || m.EBSDefaultEncryption == Unknown {
				return
			}
			for _, in := range m.Instances {
				if in.RootDevice == Unset {
					report(&in.Ref, "root_device", in.Address+" does not declare an encrypted root volume")
				}
			}
		},
		Fail: []string{
			tf("# want\nresource \"aws_instance\" \"app\" {\n  ami           = \"ami-0abc1234\"\n  instance_type = \"t3.small\"\n  ebs_block_device {\n    device_name = \"/dev/sdf\"\n    encrypted   = true\n  }\n}\n"),
			cfn("Resources:\n  App: # want\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-0abc1234\n      BlockDeviceMappings:\n        - DeviceName: /dev/sdf\n          Ebs:\n            VolumeSize: 100\n            Encrypted: true\n"),
		},
		Pass: []string{
			tf("resource \"aws_instance\" \"app\" {\n  ami = \"ami-0abc1234\"\n  root_block_device {\n    encrypted = true\n  }\n}\n"),
			tf("resource \"aws_ebs_encryption_by_default\" \"on\" {\n  enabled = true\n}\nresource \"aws_instance\" \"app\" {\n  ami = \"ami-0abc1234\"\n}\n"),
			tf("resource \"aws_instance\" \"app\" {\n  launch_template {\n    id = aws_launch_template.app.id\n  }\n}\nresource \"aws_launch_template\" \"app\" {\n  name = \"app\"\n}\n"),
			cfn("Resources:\n  App:\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-0abc1234\n      BlockDeviceMappings:\n        - DeviceName: /dev/xvda\n          Ebs:\n            Encrypted: true\n"),
		},
	}
}

func subnetPublicIP() Check {
	return simple("aws-subnet-public-ip", "Subnet assigns public IP addresses on launch", finding.SeverityMedium,
		"With map_public_ip_on_launch every instance started in the subnet gets a public address, so each one is a single security group rule away from the internet — including instances whose owners never asked for one.",
		"Set map_public_ip_on_launch = false (MapPublicIpOnLaunch: false); put instances in private subnets behind a load balancer or NAT, and give the rare exception an Elastic IP explicitly.", "public_ip",
		func(m *Model) []*Subnet { return m.Subnets }, func(s *Subnet) *Ref { return &s.Ref },
		func(s *Subnet) bool { return s.PublicIP == True },
		[]string{
			tf("resource \"aws_subnet\" \"front\" {\n  vpc_id                  = aws_vpc.main.id\n  cidr_block              = \"10.0.1.0/24\"\n  map_public_ip_on_launch = true # want\n}\n"),
			cfn("Resources:\n  Front:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Main\n      CidrBlock: 10.0.1.0/24\n      MapPublicIpOnLaunch: \"true\" # want\n"),
		},
		[]string{
			tf("resource \"aws_subnet\" \"back\" {\n  vpc_id     = aws_vpc.main.id\n  cidr_block = \"10.0.2.0/24\"\n}\n"),
			cfn("Resources:\n  Back:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Main\n      CidrBlock: 10.0.2.0/24\n      MapPublicIpOnLaunch: false\n"),
		},
		"nsa-cisa:network-separation")
}

func vpcFlowLogs() Check {
	return Check{
		Rule: rule("aws-vpc-flow-logs", "VPC without flow logs", finding.SeverityMedium,
			"Flow logs are the record of which addresses talked to which, on which ports: without them an intrusion or exfiltration through the VPC leaves no network trace to investigate. "+
				"The check links flow logs to VPCs across resources; when a flow log names a VPC that cannot be resolved (a variable, a literal ID, an import), no VPC is reported.",
			"Declare an aws_flow_log (AWS::EC2::FlowLog) for the VPC, recording at least REJECT traffic, to CloudWatch Logs or S3.",
			"cis-aws:3.7"),
		Run: func(m *Model, report Report) {
			covered := map[string]bool{}
			for _, f := range m.FlowLogs {
				if f.Unresolved {
					return
				}
				covered[f.VPC] = true
			}
			for _, v := range m.VPCs {
				if !covered[v.Address] {
					report(&v.Ref, "flow_logs", v.Address+" has no flow log")
				}
			}
		},
		Fail: []string{
			tf("# want\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\nresource \"aws_vpc\" \"other\" {\n  cidr_block = \"10.1.0.0/16\"\n}\nresource \"aws_flow_log\" \"other\" {\n  vpc_id          = aws_vpc.other.id\n  traffic_type    = \"ALL\"\n  log_destination = aws_s3_bucket.flows.arn\n}\n"),
			cfn("Resources:\n  Main: # want\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n  SubnetFlows:\n    Type: AWS::EC2::FlowLog\n    Properties:\n      ResourceType: Subnet\n      ResourceId: !Ref Front\n      TrafficType: ALL\n  Front:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Main\n      CidrBlock: 10.0.1.0/24\n"),
		},
		Pass: []string{
			tf("resource \"aws_flow_log\" \"main\" {\n  vpc_id       = aws_vpc.main.id\n  traffic_type = \"REJECT\"\n}\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n"),
			tf("variable \"vpc\" {}\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\nresource \"aws_flow_log\" \"x\" {\n  vpc_id       = var.vpc\n  traffic_type = \"ALL\"\n}\n"),
			cfn("{\"Resources\": {\n  \"Main\": {\"Type\": \"AWS::EC2::VPC\", \"Properties\": {\"CidrBlock\": \"10.0.0.0/16\"}},\n  \"Flows\": {\"Type\": \"AWS::EC2::FlowLog\", \"Properties\": {\"ResourceType\": \"VPC\", \"ResourceId\": {\"Ref\": \"Main\"}, \"TrafficType\": \"ALL\"}}\n}}\n"),
			cfn("Resources:\n  Main:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n  Flows:\n    Type: AWS::EC2::FlowLog\n    Properties:\n      ResourceType: VPC\n      ResourceId: !Ref Main\n      TrafficType: REJECT\n"),
		},
	}
}
