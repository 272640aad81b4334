package secret

import "github.com/palisade-sec/palisade/internal/finding"

// pemWindow bounds how far past a BEGIN line a private key's END line is looked for; a 16384-bit
// RSA key in PEM is about 12 KB, so 32 KB covers every real key and keeps a missing END cheap.
const pemWindow = 32 << 10

// pemRegex matches a PEM block of the given type whose body holds real base64 (a line of at least
// 40 characters), so "-----BEGIN … KEY-----" in documentation or parsers is not a finding. The body
// may be split across lines, JSON "\n" escapes or string concatenation; it is the capture group.
func pemRegex(typ string) string {
	return `-----BEGIN ` + typ + `-----((?s:.{0,300}?[A-Za-z0-9+/]{40}.*?))-----END ` + typ + `-----`
}

// keyRemediation is shared by private-key rules.
const keyRemediation = "Treat the key as compromised: revoke or replace it (and any certificate, SSH authorization or " +
	"signature trust it carries), remove it from the repository and its history, and keep keys in a secret store or KMS."

// keyRules covers private keys and other cryptographic material: PEM (RSA, EC, DSA, PKCS#8,
// OpenSSH, PGP), PuTTY and SSH2 key files, and JSON Web Tokens.
func keyRules() []Rule {
	return []Rule{
		{
			ID: "private-key-rsa", Title: "RSA private key", Severity: finding.SeverityCritical,
			Keywords: []string{"begin rsa private key"}, Regex: pemRegex(`RSA PRIVATE KEY`), MultiLine: pemWindow,
			CWE: []string{"CWE-798", "CWE-321"}, Remediation: keyRemediation,
			Examples: Examples{
				True: []string{
					fakePEM("RSA PRIVATE KEY", "rsa", "\n"),
					`key := "` + fakePEM("RSA PRIVATE KEY", "rsa2", `\n`) + `"`,
					fakePEM("RSA PRIVATE KEY", "rsa3", "\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,"+fake("dek", 32, csHexUpper)+"\n\n"),
				},
				False: []string{"-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----", `const header = "-----BEGIN RSA PRIVATE KEY-----"`},
			},
		},
		{
			ID: "private-key-ec", Title: "EC private key", Severity: finding.SeverityCritical,
			Keywords: []string{"begin ec private key"}, Regex: pemRegex(`EC PRIVATE KEY`), MultiLine: pemWindow,
			CWE: []string{"CWE-798", "CWE-321"}, Remediation: keyRemediation,
			Examples: Examples{True: []string{fakePEM("EC PRIVATE KEY", "ec", "\n")}, False: []string{"-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----"}},
		},
		{
			ID: "private-key-dsa", Title: "DSA private key", Severity: finding.SeverityCritical,
			Keywords: []string{"begin dsa private key"}, Regex: pemRegex(`DSA PRIVATE KEY`), MultiLine: pemWindow,
			CWE: []string{"CWE-798", "CWE-321"}, Remediation: keyRemediation,
			Examples: Examples{True: []string{fakePEM("DSA PRIVATE KEY", "dsa", "\n")}, False: []string{"-----BEGIN DSA PRIVATE KEY-----"}},
		},
		{
			ID: "private-key-pkcs8", Title: "PKCS#8 private key", Severity: finding.SeverityCritical,
			Keywords: []string{"begin private key"}, Regex: pemRegex(`PRIVATE KEY`), MultiLine: pemWindow,
			CWE: []string{"CWE-798", "CWE-321"}, Remediation: keyRemediation,
			Examples: Examples{
				True:  []string{fakePEM("PRIVATE KEY", "p8", "\n"), `{"private_key": "` + fakePEM("PRIVATE KEY", "p8json", `\n`) + `\n"}`},
				False: []string{"-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----"},
			},
		},
		{
			ID: "private-key-pkcs8-encrypted", Title: "Encrypted PKCS#8 private key", Severity: finding.SeverityHigh,
			Description: "An encrypted private key: safe only as long as its passphrase is strong and not stored nearby.",
			Keywords:    []string{"begin encrypted private key"}, Regex: pemRegex(`ENCRYPTED PRIVATE KEY`), MultiLine: pemWindow,
			CWE: []string{"CWE-798", "CWE-321"}, Remediation: keyRemediation,
			Examples: Examples{True: []string{fakePEM("ENCRYPTED PRIVATE KEY", "p8enc", "\n")}, False: []string{"-----BEGIN ENCRYPTED PRIVATE KEY-----\n-----END ENCRYPTED PRIVATE KEY-----"}},
		},
		{
			ID: "private-key-openssh", Title: "OpenSSH private key", Severity: finding.SeverityCritical,
			Keywords: []string{"begin openssh private key"}, Regex: pemRegex(`OPENSSH PRIVATE KEY`), MultiLine: pemWindow,
			CWE: []string{"CWE-798", "CWE-321"}, Remediation: keyRemediation + " Remove its public key from every authorized_keys.",
			Examples: Examples{True: []string{fakePEM("OPENSSH PRIVATE KEY", "ossh", "\n")}, False: []string{"ssh-keygen writes -----BEGIN OPENSSH PRIVATE KEY----- files"}},
		},
		{
			ID: "private-key-pgp", Title: "PGP private key block", Severity: finding.SeverityCritical,
			Keywords: []string{"begin pgp private key block"}, Regex: pemRegex(`PGP PRIVATE KEY BLOCK`), MultiLine: pemWindow,
			CWE: []string{"CWE-798", "CWE-321"}, Remediation: keyRemediation + " Publish a revocation certificate for the key.",
			Examples: Examples{True: []string{fakePEM("PGP PRIVATE KEY BLOCK", "pgp", "\n\n")}, False: []string{"-----BEGIN PGP PUBLIC KEY BLOCK-----\n" + fake("pgppub", 64, csB64) + "\n-----END PGP PUBLIC KEY BLOCK-----"}},
		},
		{
			ID: "private-key-ssh2", Title: "SSH2 (Tectia) private key", Severity: finding.SeverityCritical,
			Keywords: []string{"begin ssh2 encrypted private key"},
			Regex:    `---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----((?s:.{0,300}?[A-Za-z0-9+/]{40}.*?))---- END SSH2 ENCRYPTED PRIVATE KEY ----`, MultiLine: pemWindow,
			CWE: []string{"CWE-798", "CWE-321"}, Remediation: keyRemediation,
			Examples: Examples{True: []string{"---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"demo\"\n" + fake("ssh2", 64, csB64) + "\n" + fake("ssh2b", 64, csB64) + "\n---- END SSH2 ENCRYPTED PRIVATE KEY ----"}, False: []string{"---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----"}},
		},
		{
			ID: "private-key-putty", Title: "PuTTY private key file", Severity: finding.SeverityCritical,
			Keywords: []string{"putty-user-key-file-"},
			Regex:    `PuTTY-User-Key-File-[23]: [\w-]+\r?\n(?s:.*?)Private-Lines: \d+\r?\n([A-Za-z0-9+/=\r\n]{40,})`, MultiLine: 8 << 10,
			CWE: []string{"CWE-798", "CWE-321"}, Remediation: keyRemediation,
			Examples: Examples{True: []string{"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: demo\nPublic-Lines: 2\n" + fake("ppk", 64, csB64) + "\n" + fake("ppk2", 20, csB64) + "\nPrivate-Lines: 1\n" + fake("ppk3", 44, csB64) + "\nPrivate-MAC: " + fake("ppk4", 64, csHex)}, False: []string{"PuTTY-User-Key-File-3: ssh-ed25519\n"}},
		},
		{
			ID: "private-key-other", Title: "Private key (other PEM type)", Severity: finding.SeverityHigh, Generic: true,
			Keywords: []string{"private key-----"},
			Regex:    `-----BEGIN (?:[A-Z0-9 ]{1,40}) ?PRIVATE KEY-----((?s:.{0,300}?[A-Za-z0-9+/]{40}.*?))-----END [A-Z0-9 ]{1,40} ?PRIVATE KEY-----`, MultiLine: pemWindow,
			CWE: []string{"CWE-798", "CWE-321"}, Remediation: keyRemediation,
			Examples: Examples{True: []string{fakePEM("X25519 PRIVATE KEY", "x25519", "\n")}, False: []string{"-----BEGIN PUBLIC KEY-----\n" + fake("pub", 64, csB64) + "\n-----END PUBLIC KEY-----"}},
		},
		{
			ID: "jwt", Title: "JSON Web Token", Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium,
			Description: "A signed JWT; until it expires it is a bearer credential for whatever audience accepts it.",
			Keywords:    []string{"eyj"},
			Regex:       `\b(eyJ[A-Za-z0-9_-]{10,}={0,2}\.eyJ[A-Za-z0-9_-]{10,}={0,2}\.[A-Za-z0-9_-]{16,}={0,2})(?:[^\w.-]|$)`, MinEntropy: 3.5,
			Remediation: "Revoke the token (or rotate the signing key if it cannot be revoked) and never commit live tokens; tests should mint their own.",
			Examples:    Examples{True: []string{`Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ` + fake("jwt", 60, csB64URL) + `.` + fake("jwt2", 43, csB64URL)}, False: []string{`eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.`}},
		},
	}
}

// fakePEM returns a synthetic PEM block of the given type: random base64 lines that decode to no
// key at all. headers sits between the BEGIN line and the body ("\n" for none); newlines in the body
// use nl, so "\\n" builds the escaped single-line form found in JSON and source strings.
func fakePEM(typ, seed, headers string) string {
	nl := "\n"
	if headers == `\n` {
		nl = `\n`
	}
	body := ""
	for i := range 5 {
		body += fake(seed+string(rune('a'+i)), 64, csB64) + nl
	}
	return "-----BEGIN " + typ + "-----" + headers + body + "-----END " + typ + "-----"
}
