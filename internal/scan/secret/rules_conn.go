package secret

import "github.com/palisade-sec/palisade/internal/finding"

// placeholderAllow drops values that are stand-ins, not secrets: variable references and
// templates (${VAR}, $VAR, {{ .x }}, %s, <password>), masks (****, xxxx), and the words people
// type when they mean "put the password here".
func placeholderAllow() []string {
	return []string{
		`^[$%]`, `^\{`, `^<[^>]*>?$`, `^\*+$`, `(?i)^x{3,}$`, `^\.{3}`, `^\[`,
		`(?i)^(?:pass|passwd|password|passw0rd|pw|pwd|secret|changeme|changeit|dummy|test|testing|example|foo|bar|baz|foobar|admin|root|user|username|guest|none|null|nil|empty|redacted|hidden|mypassword|yourpassword|letmein|default|sample|token|apikey|api_key|s3cr3t|topsecret|hunter2|qwerty)[_-]?\d{0,4}$`,
		`[\[\]\\{}]`, // regex or template syntax (https://[^:]+:[^@]+@…), not a password
	}
}

// placeholderStop are stop-words shared by connection-string and generic rules.
func placeholderStop() []string {
	return []string{"example", "changeme", "placeholder", "your_", "your-", "yourpass", "redacted", "xxxxx", "*****", "${", "{{", "dummy", "fake", "goeshere", "goes_here"}
}

// connRule builds a rule for URLs of the given schemes with a password in the user-info part.
func connRule(id, title, keywordsRE string, keywords []string, trueURL, falseURL string) Rule {
	return Rule{
		ID: id, Title: title, Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium,
		Description: "A connection URL with an embedded password.",
		Keywords:    keywords,
		Regex:       `(?i)\b(?:` + keywordsRE + `)://[^\s:/?#@"'\x60<>]{0,64}:([^\s@/"'\x60<>]{3,128})@[\w.\[\]:%-]+`,
		StopWords:   placeholderStop(), Allow: placeholderAllow(),
		CWE:         []string{"CWE-798", "CWE-259"},
		Remediation: "Change the password on the server, remove it from the URL in code and history, and pass credentials from a secret store or environment.",
		Examples:    Examples{True: []string{trueURL}, False: []string{falseURL}},
	}
}

// connectionRules covers connection strings and URLs with embedded passwords.
func connectionRules() []Rule {
	pw := func(seed string) string { return fake(seed, 16, csAlnum+"!*-_") }
	return []Rule{
		connRule("postgres-url-password", "PostgreSQL connection URL with password", `postgres|postgresql|pgsql`, []string{"postgres", "pgsql"},
			`DATABASE_URL=postgres://app:`+pw("pg")+`@db.internal:5432/app?sslmode=require pgsql://app:`+pw("pg2")+`@db2`, `DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app`),
		connRule("mysql-url-password", "MySQL / MariaDB connection URL with password", `mysql|mysqlx|mariadb|jdbc:mysql`, []string{"mysql", "mariadb"},
			`mysql://root:`+pw("my")+`@127.0.0.1:3306/shop mariadb://app:`+pw("maria")+`@db`, `mysql://root:password@localhost/db`),
		connRule("mongodb-url-password", "MongoDB connection URL with password", `mongodb|mongodb\+srv`, []string{"mongodb"},
			`MONGO_URI="mongodb+srv://svc:`+pw("mongo")+`@cluster0.ab1cd.mongodb.net/prod"`, `mongodb://user:<password>@host/db`),
		connRule("redis-url-password", "Redis connection URL with password", `redis|rediss`, []string{"redis"},
			`REDIS_URL=rediss://:`+pw("redis")+`@cache.internal:6380/0`, `redis://:${REDIS_PASSWORD}@cache:6379`),
		connRule("amqp-url-password", "AMQP (RabbitMQ) connection URL with password", `amqp|amqps`, []string{"amqp"},
			`amqps://orders:`+pw("amqp")+`@mq.internal:5671/vhost`, `amqp://guest:guest@localhost:5672/`),
		connRule("ldap-url-password", "LDAP URL with bind password", `ldap|ldaps`, []string{"ldap"},
			`ldaps://cn=admin:`+pw("ldap")+`@ldap.internal`, `ldap://ldap.example.com`),
		connRule("ftp-url-password", "FTP / SFTP URL with password", `ftp|ftps|sftp`, []string{"ftp"},
			`sftp://deploy:`+pw("ftp")+`@files.internal/upload`, `ftp://anonymous:guest@ftp.gnu.org/`),
		{
			ID: "url-password", Title: "URL with embedded password", Severity: finding.SeverityMedium, Confidence: finding.ConfidenceLow, Generic: true,
			Description: "A URL of any scheme with user:password@ in it.",
			Keywords:    []string{"://"},
			Regex:       `\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/?#@"'\x60<>]{1,64}:([^\s@/"'\x60<>]{4,128})@[\w.\[\]-]+`,
			MinEntropy:  2.5, StopWords: placeholderStop(), Allow: placeholderAllow(),
			CWE:         []string{"CWE-798", "CWE-259"},
			Remediation: "Change the password, remove it from the URL in code and history, and pass credentials separately at run time.",
			Examples: Examples{
				True:  []string{`git clone https://deploy:` + pw("url") + `@git.internal/app.git`, `proxy: http://svc:` + pw("url2") + `@proxy.corp:3128`},
				False: []string{`https://user:password@example.com`, `http://host:8080/path@v1`, `https://$USER:$TOKEN@git.internal`, "regexp.MustCompile(`https://[^:\\s]+:[^\\s@]+@bitbucket\\.org/`)"},
			},
		},
		{
			ID: "jdbc-password", Title: "JDBC URL with password parameter", Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium,
			Keywords:  []string{"jdbc:"},
			Regex:     `(?i)jdbc:[a-z0-9:]+//[^\s"'\x60]*?[;?&]password=([^\s;&"'\x60]{3,128})`,
			StopWords: placeholderStop(), Allow: placeholderAllow(), CWE: []string{"CWE-798", "CWE-259"},
			Remediation: "Change the database password and supply it through the data source's credential provider, not the URL.",
			Examples: Examples{
				True:  []string{`jdbc:sqlserver://db.internal:1433;databaseName=app;user=svc;password=` + pw("jdbc") + `;`, `jdbc:postgresql://db/app?user=svc&password=` + pw("jdbc2")},
				False: []string{`jdbc:postgresql://db/app?user=svc&password=${DB_PASS}`},
			},
		},
		{
			ID: "connection-string-password", Title: "ADO.NET / ODBC connection string with password", Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium,
			Keywords: []string{"server=", "data source=", "host=", "address=", "dsn="}, anchored: true,
			Regex:     `(?i)(?:server|data source|host|address|dsn)=[^;"'\x60]+;(?:[^;"'\x60]*;)*?\s*(?:password|pwd)\s*=\s*([^;"'\x60\s]{3,})`,
			StopWords: placeholderStop(), Allow: placeholderAllow(), CWE: []string{"CWE-798", "CWE-259"},
			Remediation: "Change the password and use integrated authentication or a managed identity; keep connection strings in a secret store.",
			Examples: Examples{
				True:  []string{`"Server=tcp:sql.internal,1433;Database=app;User ID=svc;Password=` + pw("ado") + `;Encrypt=True"`, `Data Source=db;Initial Catalog=x;UID=sa;PWD=` + pw("ado2") + `;`, `Host=pg;Port=5432;Username=app;Password=` + pw("ado3"), `Address=db;Pwd=` + pw("ado4"), `DSN=prod;Uid=app;Pwd=` + pw("ado5")},
				False: []string{`Server=db;Database=app;Password=<password>;`},
			},
		},
	}
}
