package secret

import "github.com/palisade-sec/palisade/internal/finding"

// vcsRules covers source hosting and CI: GitHub, GitLab, Bitbucket, Atlassian, Gitea and CI
// services.
func vcsRules() []Rule {
	gh := rotate("GitHub (Settings → Developer settings)")
	gl := rotate("GitLab")
	return []Rule{
		{
			ID: "github-pat-classic", Title: "GitHub personal access token (classic)",
			Severity: finding.SeverityCritical, Keywords: []string{"ghp_"},
			Regex: token(`ghp_`, `[A-Za-z0-9]{36}`), MinEntropy: 3, Remediation: gh,
			Examples: Examples{
				True:  []string{`GITHUB_TOKEN=ghp_` + fake("ghp", 36, csAlnum), `"token": "ghp_` + fake("ghp2", 36, csAlnum) + `"`},
				False: []string{`ghp_` + fake("ghp-short", 20, csAlnum), `ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX`},
			},
		},
		{
			ID: "github-pat-fine-grained", Title: "GitHub fine-grained personal access token",
			Severity: finding.SeverityCritical, Keywords: []string{"github_pat_"},
			Regex: token(`github_pat_`, `[A-Za-z0-9]{22}_[A-Za-z0-9]{59}`), MinEntropy: 3, Remediation: gh,
			Examples: Examples{
				True:  []string{`token: github_pat_` + fake("ghfg", 22, csAlnum) + `_` + fake("ghfg2", 59, csAlnum)},
				False: []string{`github_pat_` + fake("ghfg3", 22, csAlnum)},
			},
		},
		{
			ID: "github-oauth-token", Title: "GitHub OAuth access token",
			Severity: finding.SeverityHigh, Keywords: []string{"gho_"},
			Regex: token(`gho_`, `[A-Za-z0-9]{36}`), MinEntropy: 3, Remediation: gh,
			Examples: Examples{
				True:  []string{`oauth_token: gho_` + fake("gho", 36, csAlnum)},
				False: []string{`gho_` + fake("gho-s", 12, csAlnum)},
			},
		},
		{
			ID: "github-app-token", Title: "GitHub App installation or user-to-server token",
			Severity: finding.SeverityHigh, Keywords: []string{"ghs_", "ghu_"},
			Regex: token(`gh[su]_`, `[A-Za-z0-9]{36}`), MinEntropy: 3, Remediation: gh,
			Examples: Examples{
				True:  []string{`x-access-token:ghs_` + fake("ghs", 36, csAlnum) + `@github.com`, `ghu_` + fake("ghu", 36, csAlnum)},
				False: []string{`ghs_` + fake("ghs-s", 30, csAlnum)},
			},
		},
		{
			ID: "github-refresh-token", Title: "GitHub refresh token",
			Severity: finding.SeverityHigh, Keywords: []string{"ghr_"},
			Regex: token(`ghr_`, `[A-Za-z0-9]{36,76}`), MinEntropy: 3, Remediation: gh,
			Examples: Examples{
				True:  []string{`refresh_token=ghr_` + fake("ghr", 76, csAlnum)},
				False: []string{`ghr_` + fake("ghr-s", 20, csAlnum)},
			},
		},
		{
			ID: "gitlab-pat", Title: "GitLab personal, project or group access token",
			Severity: finding.SeverityCritical, Keywords: []string{"glpat-"},
			Regex: `\b(glpat-(?:[\w-]{20}|[\w-]{27,300}\.[0-9a-z]{2}\.[0-9a-z]{9}))(?:[^\w.-]|$)`, MinEntropy: 3, Remediation: gl,
			Examples: Examples{
				True:  []string{`GITLAB_TOKEN=glpat-` + fake("glpat", 20, csB64URL), `glpat-` + fake("glpat2", 36, csB64URL) + `.01.` + fake("glpat3", 9, csLowerAlnum)},
				False: []string{`glpat-` + fake("glpat-s", 10, csAlnum)},
			},
		},
		{
			ID: "gitlab-deploy-token", Title: "GitLab deploy token",
			Severity: finding.SeverityHigh, Keywords: []string{"gldt-"},
			Regex: token(`gldt-`, `[\w-]{20}`), MinEntropy: 3, Remediation: gl,
			Examples: Examples{
				True:  []string{`password: gldt-` + fake("gldt", 20, csB64URL)},
				False: []string{`gldt-short`},
			},
		},
		{
			ID: "gitlab-runner-token", Title: "GitLab runner authentication token",
			Severity: finding.SeverityHigh, Keywords: []string{"glrt-", "glrtr-"},
			Regex: `\b(glrtr?-(?:[\w-]{20}|[\w-]{27,300}\.[0-9a-z]{2}\.[0-9a-z]{9}))(?:[^\w.-]|$)`, MinEntropy: 3, Remediation: gl,
			Examples: Examples{
				True:  []string{`token = "glrt-` + fake("glrt", 20, csB64URL) + `"`, `glrtr-` + fake("glrtr", 20, csB64URL)},
				False: []string{`glrt-short`},
			},
		},
		{
			ID: "gitlab-runner-registration-token", Title: "GitLab runner registration token",
			Severity: finding.SeverityHigh, Keywords: []string{"gr1348941"},
			Regex: token(`GR1348941`, `[\w-]{20}`), MinEntropy: 3, Remediation: gl,
			Examples: Examples{
				True:  []string{`--registration-token GR1348941` + fake("gr", 20, csB64URL)},
				False: []string{`GR1348941short`},
			},
		},
		{
			ID: "gitlab-pipeline-trigger-token", Title: "GitLab pipeline trigger token",
			Severity: finding.SeverityHigh, Keywords: []string{"glptt-"},
			Regex: token(`glptt-`, `[0-9a-f]{40}`), Remediation: gl,
			Examples: Examples{
				True:  []string{`-F token=glptt-` + fake("glptt", 40, csHex)},
				False: []string{`glptt-` + fake("glptt-s", 20, csHex)},
			},
		},
		{
			ID: "gitlab-ci-build-token", Title: "GitLab CI/CD job token",
			Severity: finding.SeverityMedium, Keywords: []string{"glcbt-"},
			Regex: token(`glcbt-`, `[0-9a-fA-F]{1,5}_[\w-]{20}`), Remediation: gl,
			Examples: Examples{
				True:  []string{`JOB_TOKEN=glcbt-64_` + fake("glcbt", 20, csB64URL)},
				False: []string{`glcbt-xyz`},
			},
		},
		{
			ID: "gitlab-misc-token", Title: "GitLab feed, mail, agent, OAuth, SCIM or feature-flag token",
			Severity: finding.SeverityMedium, Keywords: []string{"glft-", "glimt-", "glagent-", "gloas-", "glsoat-", "glffct-"},
			Regex: `\b((?:glft-|glimt-|glsoat-|glffct-)[\w-]{20,25}|glagent-[\w-]{50}|gloas-[0-9a-f]{64})(?:[^\w-]|$)`, MinEntropy: 3, Remediation: gl,
			Examples: Examples{
				True: []string{
					`feed_token=glft-` + fake("glft", 20, csB64URL), `glimt-` + fake("glimt", 25, csB64URL),
					`glagent-` + fake("glagent", 50, csB64URL), `secret: gloas-` + fake("gloas", 64, csHex),
					`glsoat-` + fake("glsoat", 20, csB64URL), `glffct-` + fake("glffct", 20, csB64URL),
				},
				False: []string{`glft-abc`},
			},
		},
		{
			ID: "bitbucket-app-password", Title: "Bitbucket app password or access token",
			Severity: finding.SeverityHigh, Keywords: []string{"atbb", "atctt3"},
			Regex: `\b(ATBB[A-Za-z0-9_=.-]{28,}|ATCTT3xFfGN0[\w=-]{150,})`, MinEntropy: 3.5, Remediation: rotate("Bitbucket (Personal settings → App passwords)"),
			Examples: Examples{
				True:  []string{`BITBUCKET_APP_PASSWORD=ATBB` + fake("atbb", 32, csAlnum), `ATCTT3xFfGN0` + fake("atctt", 180, csB64URL)},
				False: []string{`ATBB` + fake("atbb-s", 8, csAlnum)},
			},
		},
		{
			ID: "bitbucket-client-secret", Title: "Bitbucket OAuth client secret",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"bitbucket"},
			Regex: assigned(`bitbucket`, `[A-Za-z0-9=_-]{64}`), MinEntropy: 3.5, Remediation: rotate("Bitbucket"),
			Examples: Examples{
				True:  []string{`BITBUCKET_CLIENT_SECRET=` + fake("bbcs", 64, csB64URL)},
				False: []string{`BITBUCKET_CLIENT_SECRET=${BB}`},
			},
		},
		{
			ID: "atlassian-api-token", Title: "Atlassian (Jira, Confluence) API token",
			Severity: finding.SeverityHigh, Keywords: []string{"atatt3", "jira", "confluence", "atlassian"},
			Regex: `\b(ATATT3[\w=-]{186})|` + assigned(`jira|confluence|atlassian`, `[A-Za-z0-9]{24}`), MinEntropy: 3.5,
			Remediation: rotate("Atlassian (id.atlassian.com → Security → API tokens)"),
			Examples: Examples{
				True: []string{
					`JIRA_API_TOKEN=ATATT3` + fake("atatt", 186, csB64URL),
					`confluence_token: ` + fake("conf", 24, csAlnum),
					`atlassian_key = "` + fake("atl", 24, csAlnum) + `"`,
				},
				False: []string{`JIRA_URL=https://example.atlassian.net`},
			},
		},
		{
			ID: "gitea-token", Title: "Gitea / Forgejo access token",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"gitea", "forgejo"},
			Regex: assigned(`gitea|forgejo`, `[0-9a-f]{40}`), Remediation: rotate("Gitea (Settings → Applications)"),
			Examples: Examples{
				True:  []string{`GITEA_TOKEN=` + fake("gitea", 40, csHex), `forgejo_token: ` + fake("forgejo", 40, csHex)},
				False: []string{`GITEA_TOKEN=` + fake("gitea-s", 20, csHex)},
			},
		},
		{
			ID: "sourcegraph-token", Title: "Sourcegraph access token",
			Severity: finding.SeverityHigh, Keywords: []string{"sgp_"},
			Regex: `\b(sgp_(?:[a-f0-9]{16}_|local_)?[a-f0-9]{40})\b`, Remediation: rotate("Sourcegraph"),
			Examples: Examples{
				True:  []string{`SRC_ACCESS_TOKEN=sgp_` + fake("sgp", 16, csHex) + `_` + fake("sgp2", 40, csHex)},
				False: []string{`sgp_short`},
			},
		},
		{
			ID: "circleci-token", Title: "CircleCI API token",
			Severity: finding.SeverityHigh, Keywords: []string{"ccipat_", "circle"},
			Regex:       `\b(CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40})\b|` + assigned(`circle`, `[a-f0-9]{40}`),
			Remediation: rotate("CircleCI (User settings → Personal API tokens)"),
			Examples: Examples{
				True:  []string{`CIRCLE_TOKEN=CCIPAT_` + fake("cci", 22, csAlnum) + `_` + fake("cci2", 40, csHex), `circleci_token: ` + fake("cci3", 40, csHex)},
				False: []string{`CIRCLE_SHA1=${CIRCLE_SHA1}`},
			},
		},
		{
			ID: "travis-ci-token", Title: "Travis CI access token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"travis"},
			Regex: assigned(`travis`, `[A-Za-z0-9_-]{22}`), MinEntropy: 3.5, Remediation: rotate("Travis CI"),
			Examples: Examples{
				True:  []string{`TRAVIS_TOKEN=` + fake("travis", 22, csB64URL)},
				False: []string{`TRAVIS_BRANCH=main`},
			},
		},
		{
			ID: "buildkite-token", Title: "Buildkite API or agent token",
			Severity: finding.SeverityHigh, Keywords: []string{"bkua_", "buildkite"},
			Regex: `\b(bkua_[a-f0-9]{40})\b|` + assigned(`buildkite`, `[a-z0-9]{50}`), Remediation: rotate("Buildkite"),
			Examples: Examples{
				True:  []string{`BUILDKITE_API_TOKEN=bkua_` + fake("bkua", 40, csHex), `BUILDKITE_AGENT_TOKEN=` + fake("bka", 50, csLowerAlnum)},
				False: []string{`bkua_short`},
			},
		},
		{
			ID: "drone-ci-token", Title: "Drone CI access token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"drone"},
			Regex: assigned(`drone`, `[A-Za-z0-9]{32}`), MinEntropy: 3.5, Remediation: rotate("Drone"),
			Examples: Examples{
				True:  []string{`DRONE_TOKEN=` + fake("drone", 32, csAlnum)},
				False: []string{`DRONE_SERVER=https://drone.example.com`},
			},
		},
		{
			ID: "codecov-token", Title: "Codecov upload token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"codecov"},
			Regex: assigned(`codecov`, `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), Remediation: rotate("Codecov"),
			Examples: Examples{
				True:  []string{`CODECOV_TOKEN=` + fakeUUID("codecov")},
				False: []string{`CODECOV_TOKEN=${{ secrets.CODECOV_TOKEN }}`},
			},
		},
		{
			ID: "sonarqube-token", Title: "SonarQube / SonarCloud token",
			Severity: finding.SeverityHigh, Keywords: []string{"squ_", "sqp_", "sqa_", "sonar"},
			Regex: `\b(sq[upa]_[a-f0-9]{40})\b|` + assigned(`sonar`, `[a-f0-9]{40}`), Remediation: rotate("SonarQube (My Account → Security)"),
			Examples: Examples{
				True: []string{
					`SONAR_TOKEN=squ_` + fake("squ", 40, csHex), `sqp_` + fake("sqp", 40, csHex), `sqa_` + fake("sqa", 40, csHex),
					`sonar.login=` + fake("sonar", 40, csHex),
				},
				False: []string{`sonar.host.url=http://localhost:9000`},
			},
		},
		{
			ID: "snyk-token", Title: "Snyk API token",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"snyk"},
			Regex: assigned(`snyk`, `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), Remediation: rotate("Snyk (Account settings)"),
			Examples: Examples{
				True:  []string{`SNYK_TOKEN=` + fakeUUID("snyk")},
				False: []string{`SNYK_TOKEN=`},
			},
		},
		{
			ID: "harness-pat", Title: "Harness personal or service account token",
			Severity: finding.SeverityHigh, Keywords: []string{"pat.", "sat."},
			Regex: `\b((?:pat|sat)\.[\w-]{22}\.[0-9a-f]{24}\.[A-Za-z0-9]{20})\b`, Remediation: rotate("Harness"),
			Examples: Examples{
				True:  []string{`HARNESS_TOKEN=pat.` + fake("harness", 22, csB64URL) + `.` + fake("harness2", 24, csHex) + `.` + fake("harness3", 20, csAlnum), `sat.` + fake("harness4", 22, csB64URL) + `.` + fake("harness5", 24, csHex) + `.` + fake("harness6", 20, csAlnum)},
				False: []string{`pat.name.value`},
			},
		},
		{
			ID: "octopus-deploy-api-key", Title: "Octopus Deploy API key",
			Severity: finding.SeverityHigh, Keywords: []string{"api-"},
			Regex: `\b(API-[A-Z0-9]{26,32})\b`, MinEntropy: 3.5, Remediation: rotate("Octopus Deploy"),
			Examples: Examples{
				True:  []string{`OCTOPUS_API_KEY=API-` + fake("octo", 26, csUpperAlnum)},
				False: []string{`API-VERSION-2`, `API-AAAAAAAAAAAAAAAAAAAAAAAAAA`},
			},
		},
	}
}
