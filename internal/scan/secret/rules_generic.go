package secret

import (
	"slices"
	"strconv"

	"github.com/palisade-sec/palisade/internal/finding"
)

// assignment builds the regex for `name <op> value` in code, YAML, JSON, .env and properties
// files: a name containing one of names, an assignment operator (=, :=, :, =>, ?=), and a value —
// double-, single- or back-quoted, or bare up to a delimiter — of at least minLen characters (the
// window bounds the length; counted repeats would multiply the regex program and slow it down). Each value form has its own capture group; the engine takes
// the one that matched.
func assignment(names string, minLen int) string {
	n := strconv.Itoa(minLen)
	return `(?i)(?:` + names + `)[a-z0-9_.-]{0,20}?["'\x60]?[ \t]*(?::=|=>|\?=|=|:)[ \t]*` +
		`(?:"([^"\s\\]{` + n + `,})|'([^'\s\\]{` + n + `,})|\x60([^\x60\s]{` + n + `,})|` +
		`([^\s"'\x60,;&|()\[\]{}<>]{` + n + `,})(?:[\s,;)\]}]|\\[nr]|$))`
}

// genericAllow drops values of generic rules that are not literals: placeholders, identifiers and
// member accesses (cfg.Password), paths, and pure words.
func genericAllow() []string {
	return append(placeholderAllow(),
		`^[A-Za-z_]+$`,
		`^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$`,
		`^(?:/|\./|~/)[\w./-]*$`,
		`^[\w.-]+\.(?:txt|json|ya?ml|pem|key|crt|env|conf|cfg|ini|properties|p12|jks|pfx)$`,
		`^[A-Za-z_]+\(`,
		`^\+`,
		`^[a-z][a-z0-9+.-]*://`,                  // a URL is an endpoint; url-password handles credentials in one
		`^(?:arn|urn):`,                          // a reference (an AWS ARN, a URN), not the secret
		`^[a-z0-9-]+(?:\.[a-z0-9-]+)+/[\w./-]*$`, // host/path (type.googleapis.com/…)
		`^[A-Za-z]+(?:[.:_-][A-Za-z]+)+$`,
		`^[A-Za-z]+\d{0,5}$`,
	)
}

// genericStop extends the placeholder stop-words with references to where a secret is loaded from.
func genericStop() []string {
	return append(placeholderStop(), "getenv", "process.env", "environ", "env(", "env[", "env.", "secretkeyref", "valuefrom", "vault:", "lookup(", "/run/secrets")
}

// genericRules are context-only rules: a secret-sounding name assigned a high-entropy literal.
// They are marked Generic, so a specific rule matching the same value wins, and they are gated by
// entropy and stop-words so placeholders, references and words are not findings.
func genericRules() []Rule {
	g := func(r Rule) Rule {
		r.Generic = true
		r.anchored = r.LiteralInCode // the assignment rules: their regexes start with the names
		r.CWE = []string{"CWE-798"}
		if r.Confidence == finding.ConfidenceUnknown {
			r.Confidence = finding.ConfidenceLow
		}
		r.Allow = slices.Concat(genericAllow(), r.Allow)
		r.StopWords = slices.Concat(genericStop(), r.StopWords)
		if r.Remediation == "" {
			r.Remediation = "If the value is a real credential, rotate it, remove it from the code and history, and load it at run time from a secret store or the environment. If it is a test value, make it obviously fake (or suppress the finding with a reason)."
		}
		return r
	}
	return []Rule{
		g(Rule{
			ID: "generic-password", LiteralInCode: true, Title: "Hard-coded password", Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium,
			CWE:      []string{"CWE-259"},
			Keywords: []string{"pass", "pwd"},
			Regex:    assignment(`passw(?:or)?d|pwd|passphrase|pass\b`, 8), MinEntropy: 3,
			AllowMatch: []string{`(?i)(?:passw(?:or)?d|pwd|passphrase)[_.-]?(?:length|len|min|max|policy|hash|hashed|salt|file|path|field|label|prompt|reset|url|uri|regex|pattern|expir\w*|validator|strength|confirm\w*|env|var|key|ref|prop|param|command|cmd|hint|input|mode|type|form|selector)|(?:confirm|repeat|retype|old)[_.-]?passw|\bpwd\s*(?::=|=)\s*os\.|[a-z]pass\b|\bpass[ \t]*:`}, // "bypass", and "--- PASS: TestName" in test logs
			Examples: Examples{
				True: []string{
					`db_password = "` + fake("gpw", 14, csAlnum+"!#") + `"`,
					`  password: ` + fake("gpw2", 14, csAlnum+"!#"),
					`"adminPassword": "` + fake("gpw3", 16, csAlnum) + `",`,
					`SMTP_PASSWD=` + fake("gpw4", 12, csAlnum),
					`pwd := "` + fake("gpw5", 12, csAlnum) + `"`,
					`key_passphrase='` + fake("gpw6", 20, csAlnum) + `'`,
					"[db]\npass = " + fake("gpw7", 16, csAlnum),
				},
				False: []string{
					`password: ${DB_PASSWORD}`, `password = os.Getenv("DB_PASSWORD")`, `password: "<password>"`,
					`password: changeme`, `PASSWORD=xxxxxxxx`, `password: "********"`, `password = cfg.Database.Password`,
					`password_min_length: 12`, `password: {{ .Values.db.password }}`, `"password": "%s"`,
					`password: passwordpassword`, `DB_PASSWORD=example-password-123`, `password_file: /run/secrets/db`, `bypass = ` + fake("gpw8", 16, csAlnum), `--- PASS: TestAddrStringAllocs/ipv4 (0.00s)`, `passing: ` + fake("gpw9", 16, csAlnum),
					`password: process.env.DB_PASSWORD`, `password: "aaaaaaaaaaaa"`, `password_url: "https://vault.internal/v1/db"`,
				},
			},
		}),
		g(Rule{
			ID: "generic-api-key", LiteralInCode: true, Title: "Hard-coded API key", Severity: finding.SeverityMedium,
			Keywords: []string{"api_key", "apikey", "api-key", "api.key", "access_key", "accesskey", "access-key", "auth_key", "authkey", "app_key", "appkey", "master_key", "masterkey", "encryption_key", "encryptionkey", "signing_key", "signingkey", "secret_key", "secretkey", "private_key", "privatekey"},
			Regex:    assignment(`api[_.-]?key|access[_.-]?key|auth[_.-]?key|app[_.-]?key|master[_.-]?key|encryption[_.-]?key|signing[_.-]?key|secret[_.-]?key|private[_.-]?key`, 16), MinEntropy: 3.5,
			AllowMatch: []string{`(?i)(?:api|access|auth|app|master|encryption|signing|secret|private)[_.-]?key[_.-]?(?:id|ids|name|names|header|param|file|path|ref|env|var|prefix|length|size|version|type|alias|arn|uri|url|location|vault)\b|access[_.-]?key[_.-]?id`},
			Examples: Examples{
				True: []string{
					`api_key = "` + fake("gak", 32, csAlnum) + `"`, `apiKey: "` + fake("gak2", 32, csAlnum) + `"`, `X-API-KEY: ` + fake("gak3", 32, csHex),
					`api.key=` + fake("gak4", 32, csAlnum), `ACCESS_KEY=` + fake("gak5", 32, csAlnum), `accessKey: ` + fake("gak6", 32, csAlnum), `access-key: ` + fake("gak7", 32, csAlnum),
					`AUTH_KEY=` + fake("gak8", 32, csAlnum), `authKey: ` + fake("gak9", 32, csAlnum), `APP_KEY=base64:` + fake("gak10", 32, csB64), `appKey: ` + fake("gak11", 32, csAlnum),
					`MASTER_KEY=` + fake("gak12", 32, csAlnum), `masterKey: ` + fake("gak13", 32, csAlnum), `ENCRYPTION_KEY=` + fake("gak14", 32, csAlnum), `encryptionKey: ` + fake("gak15", 32, csAlnum),
					`SIGNING_KEY=` + fake("gak16", 32, csAlnum), `signingKey: ` + fake("gak17", 32, csAlnum), `SECRET_KEY=` + fake("gak18", 50, csAlnum), `secretKey: ` + fake("gak19", 32, csAlnum),
					`PRIVATE_KEY=` + fake("gak20", 64, csHex), `privateKey: ` + fake("gak21", 64, csHex),
				},
				False: []string{`api_key = "${API_KEY}"`, `api_key_header: X-Api-Key-Header-Name`, `access_key_id: AKIA`, `API_KEY=your-api-key-here`, `privateKeyTypeURL = "type.googleapis.com/google.crypto.tink.RsaSsaPssPrivateKey"`},
			},
		}),
		g(Rule{
			ID: "generic-secret", LiteralInCode: true, Title: "Hard-coded secret", Severity: finding.SeverityMedium,
			Keywords: []string{"secret"},
			Regex:    assignment(`secret`, 12), MinEntropy: 3.5,
			AllowMatch: []string{`(?i)secret[_.-]?(?:name|names|ref|key[_.-]?ref|length|len|size|id|path|file|arn|version|store|manager|type|provider|mount|namespace|engine|backend|env|source|volume|scope)\b|secrets?\s*:\s*$|(?:aws|k8s|kube)[_.-]?secret[_.-]?name`},
			Examples: Examples{
				True:  []string{`client_secret = "` + fake("gsec", 32, csAlnum) + `"`, `APP_SECRET: ` + fake("gsec2", 40, csB64URL), `"webhookSecret": "` + fake("gsec3", 24, csAlnum) + `"`},
				False: []string{`client_secret = "${CLIENT_SECRET}"`, `secret_name: prod-db-credentials-v2`, `secretKeyRef: {name: db, key: password}`, `DB_SECRET="arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"`, `client_secret = "` + fake("gsec4", 8, csAlnum) + `"`},
			},
		}),
		g(Rule{
			ID: "generic-token", LiteralInCode: true, Title: "Hard-coded token", Severity: finding.SeverityMedium,
			Keywords: []string{"token"},
			Regex:    assignment(`token`, 16), MinEntropy: 3.5,
			AllowMatch: []string{`(?i)(?:csrf|xsrf|page|next|prev|continuation|sync|cancel|cancellation|max|min|id|device|push|registration|fcm|apns)[_.-]?token|token[_.-]?(?:type|url|uri|endpoint|file|path|name|len|length|count|limit|id|kind|expir\w*|ttl|source|format|header|prefix|storage|cache|audience|issuer|lifetime|usage|budget)\b|tokeniz|tokens?\s*:\s*\d`},
			Examples: Examples{
				True:  []string{`access_token = "` + fake("gtok", 40, csAlnum) + `"`, `AUTH_TOKEN=` + fake("gtok2", 32, csB64URL), `"apiToken": "` + fake("gtok3", 36, csHex) + `"`},
				False: []string{`access_token = "${ACCESS_TOKEN}"`, `token_url: https://auth.example.com/oauth/token`, `next_token: "` + fake("gtok4", 40, csAlnum) + `"`, `max_tokens: 4096`, `token: "0000000000000000"`, "Token: `urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2`"},
			},
		}),
		g(Rule{
			ID: "generic-key-material", LiteralInCode: true, Title: "Hard-coded key material", Severity: finding.SeverityMedium,
			CWE:         []string{"CWE-321"},
			Description: "A name containing \"key\" assigned a long hex or base64 literal: an encryption, signing or HMAC key written into the code.",
			Keywords:    []string{"key"},
			Regex: `(?i)key[a-z0-9_.-]{0,20}?["'\x60]?[ \t]*(?::=|=>|=|:)[ \t]*` +
				`(?:["'\x60](?-i:([0-9a-fA-F]{32,}|[A-Za-z0-9+/]{40,}={0,2}))|(?-i:([0-9a-fA-F]{32,}|[A-Za-z0-9+/]{40,}={0,2}))(?:[\s,;)\]}]|$))`,
			MinEntropy:  3.5,
			AllowMatch:  []string{`(?i)(?:public|pub|verif\w*|sort|primary|foreign|partition|row|hash|cache|idempotency|lookup|index|map|monkey|turkey|hot|short|sub|ssh[_.-]?rsa)[_.-]?key|key[_.-]?(?:id|ids|fingerprint|hash|digest|name|size|len|length|type|usage|alias|path|file|url|check|sum)\b|keyboard|keyword|keys?\s*:\s*$`},
			Remediation: "Treat the key as compromised if it protects anything real: generate a new one, keep it in a KMS or secret store, and load it at run time. Test vectors belong in testdata with a suppression and a reason.",
			Examples: Examples{
				True: []string{
					`aesKey := "` + fake("gkm", 64, csHex) + `"`,
					`"key": "` + fake("gkm2", 32, csHex) + `"`,
					`HMAC_KEY=` + fake("gkm3", 44, csB64),
				},
				False: []string{`publicKey := "` + fake("gkm4", 64, csHex) + `"`, `key_id: "` + fake("gkm5", 32, csHex) + `"`, `key := "00000000000000000000000000000000"`},
			},
		}),
		g(Rule{
			ID: "generic-credential", LiteralInCode: true, Title: "Hard-coded credential", Severity: finding.SeverityMedium,
			Keywords: []string{"credential", "creds"},
			Regex:    assignment(`credentials?|creds`, 16), MinEntropy: 3.5,
			AllowMatch: []string{`(?i)(?:credentials?|creds)[_.-]?(?:id|file|path|name|type|provider|helper|source|ref|env|chain|process|store|mode|url|uri)\b`},
			Examples: Examples{
				True:  []string{`service_credential = "` + fake("gcred", 32, csAlnum) + `"`, `CREDS=` + fake("gcred2", 32, csAlnum)},
				False: []string{`credentials_file: ~/.aws/credentials`, `credential_helper: osxkeychain`},
			},
		}),
		g(Rule{
			ID: "authorization-bearer", Title: "Bearer token in an Authorization header", Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium,
			Keywords: []string{"bearer "},
			Regex:    `(?i)\bbearer\s+([A-Za-z0-9._~+/-]{20,}=*)`, MinEntropy: 3.5,
			Examples: Examples{
				True:  []string{`curl -H "Authorization: Bearer ` + fake("bearer", 40, csB64URL) + `" https://api.internal/`},
				False: []string{`Authorization: Bearer $TOKEN`, `Authorization: Bearer <token>`, `Authorization: Bearer {{token}}`},
			},
		}),
		g(Rule{
			ID: "authorization-basic", Title: "Basic credentials in an Authorization header", Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium,
			Keywords: []string{"basic "},
			Regex:    `(?i)authorization["']?\s*[:=,]\s*["']?basic\s+([A-Za-z0-9+/]{12,}={0,2})`, MinEntropy: 3,
			Examples: Examples{
				True:  []string{`-H 'Authorization: Basic ZGVwbG95Ong3UnQ5cUxtMnZOcEs0d1p5'`},
				False: []string{`Authorization: Basic $CREDS`, `Authorization: Basic <base64>`},
			},
		}),
		g(Rule{
			ID: "netrc-password", Title: "Password in a .netrc entry", Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium,
			Keywords: []string{"machine"},
			Regex:    `(?i)\bmachine\s+[\w.-]+\s+(?:login\s+\S+\s+)?password\s+(\S{6,128})`, MinEntropy: 2.5,
			Examples: Examples{
				True:  []string{`machine api.internal login deploy password ` + fake("netrc", 20, csAlnum)},
				False: []string{`machine learning password is not a netrc entry`},
			},
		}),
		g(Rule{
			ID: "curl-user-password", Title: "Credentials on a curl command line", Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium,
			Keywords: []string{"curl"},
			Regex:    `(?i)\bcurl\b[^\n]*?\s(?:-u|--user)\s*["']?[^\s:"']{1,64}:([^\s"'@]{6,128})`, MinEntropy: 2.5,
			Examples: Examples{
				True:  []string{`curl -fsS -u deploy:` + fake("curl", 18, csAlnum) + ` https://repo.internal/upload`},
				False: []string{`curl -u "$USER:$PASS" https://repo.internal`, `curl --user admin:<password> https://x`},
			},
		}),
	}
}
