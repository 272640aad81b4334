package secret

import "github.com/palisade-sec/palisade/internal/finding"

// devtoolRules covers package registries and developer platforms: npm, PyPI, RubyGems, NuGet,
// Docker Hub, JFrog, Postman and others. A leaked publish token is a supply-chain compromise.
func devtoolRules() []Rule {
	return []Rule{
		{
			ID: "npm-access-token", Title: "npm access token",
			Severity: finding.SeverityCritical, Keywords: []string{"npm_"},
			Regex: token(`npm_`, `[A-Za-z0-9]{36}`), MinEntropy: 3.5, Remediation: rotate("npm (Access Tokens)") + " Check the packages it could publish.",
			Examples: Examples{True: []string{`//registry.npmjs.org/:_authToken=npm_` + fake("npm", 36, csAlnum)}, False: []string{`npm_config_cache=/tmp`, `npm_` + fake("npm-s", 20, csAlnum)}},
		},
		{
			ID: "npmrc-auth-token", Title: "npm registry auth token in .npmrc",
			Severity: finding.SeverityHigh, Keywords: []string{"_authtoken", "_auth="},
			Regex: `(?i)(?:_authToken|_auth)\s*=\s*["']?([^\s"'$][^\s"']{19,})`, MinEntropy: 3.5, StopWords: []string{"${"},
			Remediation: rotate("the registry"),
			Examples:    Examples{True: []string{`//npm.pkg.github.com/:_authToken=` + fake("npmrc", 40, csHex), `_auth=` + fake("npmrc2", 32, csB64)}, False: []string{`//registry.npmjs.org/:_authToken=${NPM_TOKEN}`}},
		},
		{
			ID: "pypi-upload-token", Title: "PyPI upload token",
			Severity: finding.SeverityCritical, Keywords: []string{"pypi-ageichlwas5vcmc", "pypi-ageidgvzdc5wexbplm9yzw"},
			Regex: `\b(pypi-AgE(?:IcHlwaS5vcmc|IdGVzdC5weXBpLm9yZw)[\w-]{50,})`, Remediation: rotate("PyPI (Account settings → API tokens)"),
			Examples: Examples{True: []string{`password = pypi-AgEIcHlwaS5vcmc` + fake("pypi", 120, csB64URL), `pypi-AgEIdGVzdC5weXBpLm9yZw` + fake("pypi2", 80, csB64URL)}, False: []string{`pypi-AgEIcHlwaS5vcmcshort`}},
		},
		{
			ID: "rubygems-api-key", Title: "RubyGems API key",
			Severity: finding.SeverityCritical, Keywords: []string{"rubygems_"},
			Regex: token(`rubygems_`, `[a-f0-9]{48}`), Remediation: rotate("RubyGems.org (Settings → API keys)"),
			Examples: Examples{True: []string{`:rubygems_api_key: rubygems_` + fake("gem", 48, csHex)}, False: []string{`rubygems_version`}},
		},
		{
			ID: "nuget-api-key", Title: "NuGet API key",
			Severity: finding.SeverityHigh, Keywords: []string{"oy2"},
			Regex: `\b(oy2[a-z0-9]{43})\b`, MinEntropy: 3.5, Remediation: rotate("nuget.org (API keys)"),
			Examples: Examples{True: []string{`dotnet nuget push -k oy2` + fake("nuget", 43, csLowerAlnum)}, False: []string{`oy2short`}},
		},
		{
			ID: "clojars-token", Title: "Clojars deploy token",
			Severity: finding.SeverityHigh, Keywords: []string{"clojars_"},
			Regex: `(?i)\b(CLOJARS_[a-z0-9]{60})\b`, Remediation: rotate("Clojars"),
			Examples: Examples{True: []string{`CLOJARS_` + fake("clj", 60, csLowerAlnum)}, False: []string{`CLOJARS_USERNAME=me`}},
		},
		{
			ID: "dockerhub-pat", Title: "Docker Hub personal or organization access token",
			Severity: finding.SeverityHigh, Keywords: []string{"dckr_pat_", "dckr_oat_"},
			Regex: token(`dckr_(?:pat|oat)_`, `[\w-]{27,32}`), Remediation: rotate("Docker Hub (Account settings → Personal access tokens)"),
			Examples: Examples{True: []string{`DOCKERHUB_TOKEN=dckr_pat_` + fake("dckr", 27, csB64URL), `dckr_oat_` + fake("dckr2", 32, csB64URL)}, False: []string{`dckr_pat_short`}},
		},
		{
			ID: "docker-config-auth", Title: "Registry credentials in a Docker config.json",
			Severity: finding.SeverityHigh, Keywords: []string{`"auth"`},
			Regex: `"auth"\s*:\s*"([A-Za-z0-9+/]{12,}={0,2})"`, MinEntropy: 3, Remediation: "Rotate the registry password or token, remove config.json from the repository, and use a credential helper.",
			Examples: Examples{True: []string{`{"auths": {"registry.example.com": {"auth": "ZGVwbG95OlMzY3JldC1yZWdpc3RyeS1wYXNz"}}}`}, False: []string{`{"auth": ""}`, `"auth": "basic"`}},
		},
		{
			ID: "artifactory-token", Title: "JFrog Artifactory API key or reference token",
			Severity: finding.SeverityHigh, Keywords: []string{"akcp", "cmvmdgtu"},
			Regex: `\b(AKCp[A-Za-z0-9]{69}|cmVmdGtu[A-Za-z0-9]{56})\b`, MinEntropy: 3.5, Remediation: rotate("JFrog Platform (User profile → Tokens)"),
			Examples: Examples{True: []string{`ARTIFACTORY_API_KEY=AKCp` + fake("akcp", 69, csAlnum), `cmVmdGtu` + fake("jfref", 56, csAlnum)}, False: []string{`AKCpShort`}},
		},
		{
			ID: "postman-api-key", Title: "Postman API key",
			Severity: finding.SeverityMedium, Keywords: []string{"pmak-"},
			Regex: `\b(PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b`, Remediation: rotate("Postman (API keys)"),
			Examples: Examples{True: []string{`POSTMAN_API_KEY=PMAK-` + fake("pmak", 24, csHex) + `-` + fake("pmak2", 34, csHex)}, False: []string{`PMAK-short`}},
		},
		{
			ID: "prefect-api-key", Title: "Prefect API key",
			Severity: finding.SeverityMedium, Keywords: []string{"pnu_"},
			Regex: token(`pnu_`, `[A-Za-z0-9]{36}`), Remediation: rotate("Prefect Cloud"),
			Examples: Examples{True: []string{`PREFECT_API_KEY=pnu_` + fake("pnu", 36, csAlnum)}, False: []string{`pnu_short`}},
		},
		{
			ID: "infracost-api-key", Title: "Infracost API key",
			Severity: finding.SeverityLow, Keywords: []string{"ico-"},
			Regex: token(`ico-`, `[A-Za-z0-9]{32}`), MinEntropy: 3.5, Remediation: rotate("Infracost"),
			Examples: Examples{True: []string{`INFRACOST_API_KEY=ico-` + fake("ico", 32, csAlnum)}, False: []string{`ico-short`}},
		},
		{
			ID: "scalingo-token", Title: "Scalingo API token",
			Severity: finding.SeverityMedium, Keywords: []string{"tk-us-"},
			Regex: token(`tk-us-`, `[\w-]{48}`), Remediation: rotate("Scalingo"),
			Examples: Examples{True: []string{`SCALINGO_TOKEN=tk-us-` + fake("scalingo", 48, csB64URL)}, False: []string{`tk-us-short`}},
		},
		{
			ID: "gradle-plugin-portal-key", Title: "Gradle plugin portal key or secret",
			Severity: finding.SeverityHigh, Keywords: []string{"gradle.publish."},
			Regex: `gradle\.publish\.(?:key|secret)\s*[=:]\s*([A-Za-z0-9]{32})`, MinEntropy: 3.5, Remediation: rotate("the Gradle plugin portal"),
			Examples: Examples{True: []string{`gradle.publish.secret=` + fake("gradle", 32, csAlnum)}, False: []string{`gradle.publish.key=${KEY}`}},
		},
		{
			ID: "maven-settings-password", Title: "Password in Maven settings.xml",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"<password>"},
			Regex: `<password>([^<$\s{][^<\s]{5,})</password>`, MinEntropy: 2.5, StopWords: []string{"changeme", "password", "example", "secret"},
			Remediation: "Move the server password to an environment variable (${env.VAR}) or encrypt it with Maven's master password; rotate it.",
			Examples:    Examples{True: []string{`<server><id>corp</id><password>` + fake("mvn", 20, csAlnum) + `</password></server>`}, False: []string{`<password>${env.MAVEN_PASSWORD}</password>`, `<password>changeme</password>`}},
		},
		{
			ID: "kubeconfig-client-key", Title: "Client private key in a kubeconfig",
			Severity: finding.SeverityCritical, Keywords: []string{"client-key-data"},
			Regex: `client-key-data:\s*["']?(LS0t[A-Za-z0-9+/=]{100,})`, Remediation: "Revoke the client certificate (or rotate the cluster CA if it cannot be revoked), and keep kubeconfigs out of source control.",
			Examples: Examples{True: []string{`    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ` + fake("kube", 200, csB64)}, False: []string{`client-key-data: REDACTED`}},
		},
		{
			ID: "kubernetes-secret-token", Title: "Service account token in a kubeconfig or Secret",
			Severity: finding.SeverityHigh, Keywords: []string{"token:"},
			Regex: `(?:^|\s)token:\s*["']?(eyJhbGciOi[\w-]{10,}\.eyJ[\w-]{20,}\.[\w-]{20,})`, Remediation: "Delete the Secret or revoke the service account token, then issue short-lived tokens (TokenRequest).",
			Examples: Examples{True: []string{`    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJ` + fake("k8stok", 80, csB64URL) + `.` + fake("k8stok2", 86, csB64URL)}, False: []string{`token: ""`}},
		},
		{
			ID: "sidekiq-credentials", Title: "Sidekiq Enterprise / Pro credentials",
			Severity: finding.SeverityMedium, Keywords: []string{"bundle_enterprise__contribsys__com", "bundle_gems__contribsys__com", "gems.contribsys.com", "enterprise.contribsys.com"},
			Regex:       `(?i)(?:BUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM\s*[=:]\s*["']?[a-f0-9]{8}:([a-f0-9]{8})|https?://[a-f0-9]{8}:([a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com)`,
			Remediation: rotate("Contributed Systems"),
			Examples:    Examples{True: []string{`BUNDLE_ENTERPRISE__CONTRIBSYS__COM=` + fake("sk1", 8, csHex) + `:` + fake("sk2", 8, csHex), `BUNDLE_GEMS__CONTRIBSYS__COM: ` + fake("sk5", 8, csHex) + `:` + fake("sk6", 8, csHex), `source "https://` + fake("sk3", 8, csHex) + `:` + fake("sk4", 8, csHex) + `@gems.contribsys.com/"`, `https://` + fake("sk7", 8, csHex) + `:` + fake("sk8", 8, csHex) + `@enterprise.contribsys.com/`}, False: []string{`source "https://gems.contribsys.com/"`}},
		},
		{
			ID: "jenkins-api-token", Title: "Jenkins API token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"jenkins"},
			Regex: assigned(`jenkins`, `11[a-f0-9]{32}`), Remediation: rotate("Jenkins (User → Configure → API Token)"),
			Examples: Examples{True: []string{`JENKINS_API_TOKEN=11` + fake("jenkins", 32, csHex)}, False: []string{`JENKINS_URL=http://ci:8080`}},
		},
	}
}
