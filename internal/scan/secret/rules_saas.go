package secret

import "github.com/palisade-sec/palisade/internal/finding"

// uuidRE is a lowercase UUID, the shape of many providers' keys.
const uuidRE = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

// saasRules covers communication, observability, productivity and identity SaaS APIs.
func saasRules() []Rule {
	return []Rule{
		{
			ID: "twilio-api-key", Title: "Twilio API key SID",
			Severity: finding.SeverityHigh, Keywords: []string{"sk"},
			Regex: `\b(SK[0-9a-fA-F]{32})\b`, MinEntropy: 3.2, Remediation: rotate("the Twilio console (API keys)"),
			Examples: Examples{True: []string{`TWILIO_API_KEY=SK` + fake("twilio", 32, csHex)}, False: []string{`SK` + fake("twilio-s", 20, csHex), `SK00000000000000000000000000000000`}},
		},
		{
			ID: "twilio-auth-token", Title: "Twilio auth token",
			Severity: finding.SeverityCritical, Confidence: finding.ConfidenceMedium, Keywords: []string{"twilio"},
			Regex: assigned(`twilio`, `[0-9a-f]{32}`), Remediation: rotate("the Twilio console (Account → Auth tokens)"),
			Examples: Examples{True: []string{`TWILIO_AUTH_TOKEN=` + fake("twat", 32, csHex)}, False: []string{`TWILIO_ACCOUNT_SID=AC`}},
		},
		{
			ID: "sendgrid-api-key", Title: "SendGrid API key",
			Severity: finding.SeverityHigh, Keywords: []string{"sg."},
			Regex: `\b(SG\.[\w-]{22}\.[\w-]{43})(?:[^\w-]|$)`, MinEntropy: 3.5, Remediation: rotate("SendGrid (Settings → API Keys)"),
			Examples: Examples{True: []string{`SENDGRID_API_KEY=SG.` + fake("sg", 22, csB64URL) + `.` + fake("sg2", 43, csB64URL)}, False: []string{`SG.short.value`}},
		},
		{
			ID: "mailgun-api-key", Title: "Mailgun API key",
			Severity: finding.SeverityHigh, Keywords: []string{"mailgun"}, anchored: true,
			Regex: `(?i)mailgun[\w.-]{0,40}?[\s"'\x60]{0,3}(?::=|=>|=|:)[\s"'\x60]{0,4}(?-i:((?:key-)?[a-f0-9]{32}|[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8}))(?:[^\w-]|$)`, Remediation: rotate("Mailgun (API security)"),
			Examples: Examples{True: []string{`MAILGUN_API_KEY=key-` + fake("mg", 32, csHex), `mailgun_key: ` + fake("mg2", 32, csHex) + `-` + fake("mg3", 8, csHex) + `-` + fake("mg4", 8, csHex)}, False: []string{`MAILGUN_DOMAIN=mg.example.com`}},
		},
		{
			ID: "mailchimp-api-key", Title: "Mailchimp API key",
			Severity: finding.SeverityHigh, Keywords: []string{"-us"},
			Regex: `\b([0-9a-f]{32}-us[0-9]{1,2})\b`, Remediation: rotate("Mailchimp (Account → Extras → API keys)"),
			Examples: Examples{True: []string{`MAILCHIMP_KEY=` + fake("mc", 32, csHex) + `-us21`}, False: []string{`locale en-us`}},
		},
		{
			ID: "mailjet-api-key", Title: "Mailjet API credential",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"mailjet", "mj_apikey"},
			Regex: assigned(`mailjet|mj_apikey`, `[a-f0-9]{32}`), Remediation: rotate("Mailjet"),
			Examples: Examples{True: []string{`MAILJET_SECRET_KEY=` + fake("mj", 32, csHex), `MJ_APIKEY_PRIVATE=` + fake("mj2", 32, csHex)}, False: []string{`MAILJET_SENDER=a@b.c`}},
		},
		{
			ID: "postmark-server-token", Title: "Postmark server token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"postmark"},
			Regex: assigned(`postmark`, uuidRE), Remediation: rotate("Postmark"),
			Examples: Examples{True: []string{`POSTMARK_SERVER_TOKEN=` + fakeUUID("postmark")}, False: []string{`POSTMARK_SERVER_TOKEN=POSTMARK_API_TEST`}},
		},
		{
			ID: "brevo-api-key", Title: "Brevo (Sendinblue) API key",
			Severity: finding.SeverityHigh, Keywords: []string{"xkeysib-", "xsmtpsib-"},
			Regex: `\b(x(?:key|smtp)sib-[a-f0-9]{64}-[A-Za-z0-9]{16})\b`, Remediation: rotate("Brevo (SMTP & API)"),
			Examples: Examples{True: []string{`BREVO_API_KEY=xkeysib-` + fake("brevo", 64, csHex) + `-` + fake("brevo2", 16, csAlnum), `xsmtpsib-` + fake("brevo3", 64, csHex) + `-` + fake("brevo4", 16, csAlnum)}, False: []string{`xkeysib-short`}},
		},
		{
			ID: "datadog-api-key", Title: "Datadog API or application key",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"datadog", "dd_api_key", "dd_app_key", "dd-api-key", "dd-application-key"},
			Regex: `(?i)(?:datadog|dd[_-]api[_-]key|dd[_-]app(?:lication)?[_-]key)[\w.-]{0,40}?[\s"'\x60]{0,3}(?::=|=>|=|:)[\s"'\x60]{0,4}(?-i:([a-f0-9]{40}|[a-f0-9]{32}))(?:[^\w-]|$)`, Remediation: rotate("Datadog (Organization settings → API / Application keys)"),
			Examples: Examples{
				True: []string{
					`DD_API_KEY=` + fake("dd", 32, csHex), `DD_APP_KEY=` + fake("dd2", 40, csHex), `datadog_api_key: ` + fake("dd3", 32, csHex),
					`DD-API-KEY: ` + fake("dd4", 32, csHex), `dd-application-key: ` + fake("dd5", 40, csHex),
				},
				False: []string{`DD_API_KEY=<DATADOG_API_KEY>`},
			},
		},
		{
			ID: "newrelic-user-api-key", Title: "New Relic user API key",
			Severity: finding.SeverityHigh, Keywords: []string{"nrak-"},
			Regex: token(`NRAK-`, `[A-Z0-9]{27}`), Remediation: rotate("New Relic (API keys)"),
			Examples: Examples{True: []string{`NEW_RELIC_API_KEY=NRAK-` + fake("nrak", 27, csUpperAlnum)}, False: []string{`NRAK-SHORT`}},
		},
		{
			ID: "newrelic-license-key", Title: "New Relic ingest license key",
			Severity: finding.SeverityMedium, Keywords: []string{"nral"},
			Regex: `\b([a-f0-9]{36}NRAL)\b`, Remediation: rotate("New Relic (API keys)"),
			Examples: Examples{True: []string{`license_key: ` + fake("nral", 36, csHex) + `NRAL`}, False: []string{`NRAL`}},
		},
		{
			ID: "newrelic-browser-or-insights-key", Title: "New Relic browser, insights or REST key",
			Severity: finding.SeverityMedium, Keywords: []string{"nrjs-", "nrii-", "nriq-", "nrra-"},
			Regex: `\b(NRJS-[a-f0-9]{19}|NRI[IQ]-[\w-]{32}|NRRA-[a-f0-9]{42})\b`, Remediation: rotate("New Relic (API keys)"),
			Examples: Examples{True: []string{`NRJS-` + fake("nrjs", 19, csHex), `NRII-` + fake("nrii", 32, csB64URL), `NRIQ-` + fake("nriq", 32, csB64URL), `NRRA-` + fake("nrra", 42, csHex)}, False: []string{`NRJS-abc`}},
		},
		{
			ID: "sentry-token", Title: "Sentry auth token",
			Severity: finding.SeverityHigh, Keywords: []string{"sntrys_", "sntryu_"},
			Regex: `\b(sntrys_eyJ[A-Za-z0-9+/=_-]{60,}|sntryu_[a-f0-9]{64})`, Remediation: rotate("Sentry (Settings → Auth tokens)"),
			Examples: Examples{True: []string{`SENTRY_AUTH_TOKEN=sntrys_eyJ` + fake("sntrys", 120, csB64), `sntryu_` + fake("sntryu", 64, csHex)}, False: []string{`sntryu_short`}},
		},
		{
			ID: "grafana-token", Title: "Grafana API key, cloud or service account token",
			Severity: finding.SeverityHigh, Keywords: []string{"glc_", "glsa_", "eyjrijoi"},
			Regex: `\b(glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9]{70,}={0,2})`, MinEntropy: 3.5, Remediation: rotate("Grafana"),
			Examples: Examples{True: []string{`GRAFANA_TOKEN=glsa_` + fake("glsa", 32, csAlnum) + `_` + fake("glsa2", 8, csHex), `glc_` + fake("glc", 80, csAlnum), `eyJrIjoi` + fake("gapi", 80, csAlnum)}, False: []string{`glsa_short`}},
		},
		{
			ID: "dynatrace-api-token", Title: "Dynatrace API token",
			Severity: finding.SeverityHigh, Keywords: []string{"dt0c01."},
			Regex: `\b(dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64})\b`, Remediation: rotate("Dynatrace (Access tokens)"),
			Examples: Examples{True: []string{`DT_API_TOKEN=dt0c01.` + fake("dt", 24, csUpperAlnum) + `.` + fake("dt2", 64, csUpperAlnum)}, False: []string{`dt0c01.SHORT.SHORT`}},
		},
		{
			ID: "honeycomb-api-key", Title: "Honeycomb API key",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"honeycomb"},
			Regex: assigned(`honeycomb`, `[A-Za-z0-9]{22}|[a-f0-9]{32}|hc[abi]i[ck]_[a-z0-9]{58}`), MinEntropy: 3.5, Remediation: rotate("Honeycomb"),
			Examples: Examples{True: []string{`HONEYCOMB_API_KEY=` + fake("hny", 22, csAlnum), `honeycomb_key: hcaik_` + fake("hny2", 58, csLowerAlnum)}, False: []string{`HONEYCOMB_DATASET=prod`}},
		},
		{
			ID: "splunk-hec-token", Title: "Splunk HTTP Event Collector token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"splunk"},
			Regex: `(?i)splunk[\w .-]{0,40}?[\s"'\x60]{0,3}(?::=|=>|=|:)[\s"'\x60]{0,4}(?-i:((?:Splunk )?` + "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}" + `))`, Remediation: rotate("Splunk (Data inputs → HTTP Event Collector)"),
			Examples: Examples{True: []string{`SPLUNK_HEC_TOKEN=` + fakeUUID("splunk")}, False: []string{`SPLUNK_HEC_URL=https://splunk:8088`}},
		},
		{
			ID: "sumologic-access-key", Title: "Sumo Logic access key",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"sumo"},
			Regex: assigned(`sumo`, `[A-Za-z0-9]{64}|su[A-Za-z0-9]{12}`), MinEntropy: 3.5, Remediation: rotate("Sumo Logic"),
			Examples: Examples{True: []string{`SUMO_ACCESS_KEY=` + fake("sumo", 64, csAlnum)}, False: []string{`SUMO_ENDPOINT=https://api.sumologic.com`}},
		},
		{
			ID: "pagerduty-api-key", Title: "PagerDuty API key",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"pagerduty"},
			Regex: assigned(`pagerduty`, `[\w+-]{20}|[a-f0-9]{32}`), MinEntropy: 3.5, Remediation: rotate("PagerDuty (API Access Keys)"),
			Examples: Examples{True: []string{`PAGERDUTY_TOKEN=u+` + fake("pd", 18, csAlnum)}, False: []string{`PAGERDUTY_SERVICE=web`}},
		},
		{
			ID: "opsgenie-api-key", Title: "Opsgenie API key",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"opsgenie"},
			Regex: assigned(`opsgenie`, uuidRE), Remediation: rotate("Opsgenie"),
			Examples: Examples{True: []string{`OPSGENIE_API_KEY=` + fakeUUID("opsgenie")}, False: []string{`OPSGENIE_TEAM=sre`}},
		},
		{
			ID: "linear-api-key", Title: "Linear API key",
			Severity: finding.SeverityHigh, Keywords: []string{"lin_api_"},
			Regex: token(`lin_api_`, `[A-Za-z0-9]{40}`), Remediation: rotate("Linear (Settings → API)"),
			Examples: Examples{True: []string{`LINEAR_API_KEY=lin_api_` + fake("linear", 40, csAlnum)}, False: []string{`lin_api_short`}},
		},
		{
			ID: "notion-token", Title: "Notion integration token",
			Severity: finding.SeverityHigh, Keywords: []string{"ntn_", "secret_"},
			Regex: `(?i)notion[\w.-]{0,40}?[\s"'\x60]{0,3}(?::=|=>|=|:)[\s"'\x60]{0,4}(?-i:(secret_[A-Za-z0-9]{43}))|\b(ntn_[0-9]{11}[A-Za-z0-9]{35})\b`, Remediation: rotate("Notion (My integrations)"),
			Examples: Examples{True: []string{`NOTION_TOKEN=secret_` + fake("notion", 43, csAlnum), `ntn_` + fake("ntn", 11, csDigits) + fake("ntn2", 35, csAlnum)}, False: []string{`NOTION_TOKEN=secret_`}},
		},
		{
			ID: "airtable-pat", Title: "Airtable personal access token",
			Severity: finding.SeverityHigh, Keywords: []string{"pat"},
			Regex: `\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b`, Remediation: rotate("Airtable (Developer hub)"),
			Examples: Examples{True: []string{`AIRTABLE_TOKEN=pat` + fake("airtable", 14, csAlnum) + `.` + fake("airtable2", 64, csHex)}, False: []string{`pattern.match`}},
		},
		{
			ID: "asana-pat", Title: "Asana personal access token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"asana"},
			Regex: assigned(`asana`, `[0-9]/[0-9]{16}:[A-Za-z0-9]{32}|2/[0-9]{16}/[0-9]{16}:[a-f0-9]{32}`), Remediation: rotate("Asana (Developer console)"),
			Examples: Examples{True: []string{`ASANA_TOKEN=1/` + fake("asana", 16, csDigits) + `:` + fake("asana2", 32, csAlnum)}, False: []string{`ASANA_WORKSPACE=1234`}},
		},
		{
			ID: "figma-pat", Title: "Figma personal access token",
			Severity: finding.SeverityMedium, Keywords: []string{"figd_"},
			Regex: token(`figd_`, `[\w-]{40}`), Remediation: rotate("Figma (Settings → Personal access tokens)"),
			Examples: Examples{True: []string{`FIGMA_TOKEN=figd_` + fake("figma", 40, csB64URL)}, False: []string{`figd_short`}},
		},
		{
			ID: "hubspot-token", Title: "HubSpot private app token",
			Severity: finding.SeverityHigh, Keywords: []string{"pat-na1-", "pat-eu1-"},
			Regex: `\b(pat-(?:na|eu)1-` + uuidRE + `)\b`, Remediation: rotate("HubSpot (Private apps)"),
			Examples: Examples{True: []string{`HUBSPOT_TOKEN=pat-na1-` + fakeUUID("hubspot"), `pat-eu1-` + fakeUUID("hubspot2")}, False: []string{`pat-na1-token`}},
		},
		{
			ID: "intercom-token", Title: "Intercom access token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"intercom"},
			Regex: assigned(`intercom`, `[\w=-]{60}`), MinEntropy: 3.5, Remediation: rotate("the Intercom developer hub"),
			Examples: Examples{True: []string{`INTERCOM_ACCESS_TOKEN=dG9r` + fake("intercom", 56, csB64URL)}, False: []string{`INTERCOM_APP_ID=abc`}},
		},
		{
			ID: "zendesk-api-token", Title: "Zendesk API token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"zendesk"},
			Regex: assigned(`zendesk`, `[A-Za-z0-9]{40}`), MinEntropy: 3.5, Remediation: rotate("Zendesk (Admin Center → APIs)"),
			Examples: Examples{True: []string{`ZENDESK_API_TOKEN=` + fake("zendesk", 40, csAlnum)}, False: []string{`ZENDESK_SUBDOMAIN=acme`}},
		},
		{
			ID: "okta-api-token", Title: "Okta API token",
			Severity: finding.SeverityCritical, Confidence: finding.ConfidenceMedium, Keywords: []string{"okta"},
			Regex: assigned(`okta`, `00[\w=-]{40}`), MinEntropy: 3.5, Remediation: rotate("the Okta admin console (Security → API → Tokens)"),
			Examples: Examples{True: []string{`OKTA_API_TOKEN=00` + fake("okta", 40, csB64URL)}, False: []string{`OKTA_ORG_URL=https://dev-1.okta.com`}},
		},
		{
			ID: "auth0-client-secret", Title: "Auth0 client secret or management token",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"auth0"},
			Regex: assigned(`auth0`, `[\w-]{64}`), MinEntropy: 3.5, Remediation: rotate("the Auth0 dashboard"),
			Examples: Examples{True: []string{`AUTH0_CLIENT_SECRET=` + fake("auth0", 64, csB64URL)}, False: []string{`AUTH0_DOMAIN=acme.eu.auth0.com`}},
		},
		{
			ID: "onepassword-service-account-token", Title: "1Password service account token",
			Severity: finding.SeverityCritical, Keywords: []string{"ops_eyj"},
			Regex: `\b(ops_eyJ[A-Za-z0-9+/]{250,}={0,3})`, Remediation: rotate("1Password (Developer → Service accounts)"),
			Examples: Examples{True: []string{`OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ` + fake("ops", 300, csB64)}, False: []string{`ops_eyJshort`}},
		},
		{
			ID: "onepassword-secret-key", Title: "1Password account secret key",
			Severity: finding.SeverityCritical, Keywords: []string{"a3-"},
			Regex: `\b(A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5})\b`, MinEntropy: 3.5, Remediation: "Regenerate the account's Secret Key in 1Password and review account access.",
			Examples: Examples{True: []string{`A3-` + fake("1p", 6, csUpperAlnum) + `-` + fake("1p2", 11, csUpperAlnum) + `-` + fake("1p3", 5, csUpperAlnum) + `-` + fake("1p4", 5, csUpperAlnum) + `-` + fake("1p5", 5, csUpperAlnum)}, False: []string{`A3-PAPER`}},
		},
		{
			ID: "twitter-bearer-token", Title: "X (Twitter) API bearer token",
			Severity: finding.SeverityHigh, Keywords: []string{"aaaaaaaaaaaaaaaaaaaaa"},
			Regex: `\b(A{22}[A-Za-z0-9%]{80,120})`, MinEntropy: 3, Remediation: rotate("the X developer portal"),
			Examples: Examples{True: []string{`TWITTER_BEARER_TOKEN=AAAAAAAAAAAAAAAAAAAAA` + `A` + fake("twitter", 90, csAlnum)}, False: []string{`AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`}},
		},
		{
			ID: "twitter-api-secret", Title: "X (Twitter) API key secret or access token secret",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"twitter"},
			Regex: assigned(`twitter`, `[A-Za-z0-9]{45,50}|[0-9]{15,25}-[A-Za-z0-9]{20,40}`), MinEntropy: 3.5, Remediation: rotate("the X developer portal"),
			Examples: Examples{True: []string{`TWITTER_API_SECRET=` + fake("tw", 50, csAlnum), `twitter_access_token: ` + fake("tw2", 19, csDigits) + `-` + fake("tw3", 30, csAlnum)}, False: []string{`TWITTER_HANDLE=@acme`}},
		},
		{
			ID: "facebook-access-token", Title: "Facebook / Meta access token or app secret",
			Severity: finding.SeverityHigh, Keywords: []string{"eaacede", "facebook", "fb_"},
			Regex: `\b(EAACEdEose0cBA[A-Za-z0-9]{20,})|` + assigned(`facebook|fb_`, `[a-f0-9]{32}`), Remediation: rotate("Meta for Developers"),
			Examples: Examples{True: []string{`EAACEdEose0cBA` + fake("fb", 100, csAlnum), `FACEBOOK_APP_SECRET=` + fake("fb2", 32, csHex), `FB_SECRET=` + fake("fb3", 32, csHex)}, False: []string{`FACEBOOK_APP_ID=1234567890`}},
		},
		{
			ID: "mapbox-token", Title: "Mapbox secret access token",
			Severity: finding.SeverityMedium, Keywords: []string{"sk.eyj"},
			Regex: `\b(sk\.eyJ[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,})`, Remediation: rotate("Mapbox (Access tokens)"),
			Examples: Examples{True: []string{`MAPBOX_SECRET=sk.eyJ1Ijoi` + fake("mapbox", 60, csB64URL) + `.` + fake("mapbox2", 22, csB64URL)}, False: []string{`sk.eyJshort`}},
		},
		{
			ID: "algolia-admin-key", Title: "Algolia admin API key",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"algolia"},
			Regex: assigned(`algolia`, `[a-f0-9]{32}`), Remediation: rotate("the Algolia dashboard (API keys)"),
			Examples: Examples{True: []string{`ALGOLIA_ADMIN_KEY=` + fake("algolia", 32, csHex)}, False: []string{`ALGOLIA_APP_ID=ABCDEF1234`}},
		},
		{
			ID: "contentful-token", Title: "Contentful personal access token",
			Severity: finding.SeverityMedium, Keywords: []string{"cfpat-"},
			Regex: token(`CFPAT-`, `[\w-]{43}`), Remediation: rotate("Contentful"),
			Examples: Examples{True: []string{`CONTENTFUL_MANAGEMENT_TOKEN=CFPAT-` + fake("cfpat", 43, csB64URL)}, False: []string{`CFPAT-short`}},
		},
		{
			ID: "typeform-token", Title: "Typeform personal access token",
			Severity: finding.SeverityMedium, Keywords: []string{"tfp_"},
			Regex: token(`tfp_`, `[\w.=-]{59}`), Remediation: rotate("Typeform"),
			Examples: Examples{True: []string{`TYPEFORM_TOKEN=tfp_` + fake("tfp", 59, csB64URL)}, False: []string{`tfp_short`}},
		},
		{
			ID: "dropbox-token", Title: "Dropbox access token",
			Severity: finding.SeverityHigh, Keywords: []string{"sl.", "dropbox"},
			Regex: `(?i)dropbox[\w.-]{0,40}?[\s"'\x60]{0,3}(?::=|=>|=|:)[\s"'\x60]{0,4}(?-i:(sl\.[\w=-]{130,}|[a-z0-9]{11}(?:AAAAAAAAAA)[\w=-]{43}))`, Remediation: rotate("the Dropbox App Console"),
			Examples: Examples{True: []string{`DROPBOX_ACCESS_TOKEN=sl.` + fake("dropbox", 140, csB64URL)}, False: []string{`DROPBOX_APP=acme`}},
		},
		{
			ID: "shopify-partner-or-storefront-key", Title: "Shopify storefront or partner token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"shopify"},
			Regex: assigned(`shopify`, `[a-f0-9]{32}`), Remediation: rotate("Shopify"),
			Examples: Examples{True: []string{`SHOPIFY_STOREFRONT_TOKEN=` + fake("shopify-sf", 32, csHex)}, False: []string{`SHOPIFY_STORE=acme.myshopify.com`}},
		},
		{
			ID: "launchdarkly-key", Title: "LaunchDarkly SDK or API key",
			Severity: finding.SeverityMedium, Keywords: []string{"sdk-", "api-"},
			Regex: `(?i)launchdarkly[\w.-]{0,40}?[\s"'\x60]{0,3}(?::=|=>|=|:)[\s"'\x60]{0,4}(?-i:((?:sdk|api)-` + uuidRE + `))`, Remediation: rotate("LaunchDarkly"),
			Examples: Examples{True: []string{`LAUNCHDARKLY_SDK_KEY=sdk-` + fakeUUID("ld"), `launchdarkly_api_key: api-` + fakeUUID("ld2")}, False: []string{`LAUNCHDARKLY_ENV=prod`}},
		},
		{
			ID: "segment-write-key", Title: "Segment write key or public API token",
			Severity: finding.SeverityMedium, Keywords: []string{"segment", "sgp_"},
			Regex: assigned(`segment`, `[A-Za-z0-9]{32}|sgp_[A-Za-z0-9]{64}`), MinEntropy: 3.5, Remediation: rotate("Segment"),
			Examples: Examples{True: []string{`SEGMENT_WRITE_KEY=` + fake("segment", 32, csAlnum), `segment_token: sgp_` + fake("segment2", 64, csAlnum)}, False: []string{`segment: 12`}},
		},
		{
			ID: "frameio-token", Title: "Frame.io developer token",
			Severity: finding.SeverityMedium, Keywords: []string{"fio-u-"},
			Regex: token(`fio-u-`, `[\w=-]{64}`), Remediation: rotate("Frame.io"),
			Examples: Examples{True: []string{`FRAMEIO_TOKEN=fio-u-` + fake("fio", 64, csB64URL)}, False: []string{`fio-u-short`}},
		},
		{
			ID: "readme-api-key", Title: "ReadMe API key",
			Severity: finding.SeverityMedium, Keywords: []string{"rdme_"},
			Regex: token(`rdme_`, `[a-z0-9]{70}`), Remediation: rotate("ReadMe"),
			Examples: Examples{True: []string{`README_API_KEY=rdme_` + fake("rdme", 70, csLowerAlnum)}, False: []string{`rdme_short`}},
		},
		{
			ID: "adafruit-io-key", Title: "Adafruit IO key",
			Severity: finding.SeverityLow, Keywords: []string{"aio_"},
			Regex: token(`aio_`, `[a-zA-Z0-9]{28}`), MinEntropy: 3.5, Remediation: rotate("Adafruit IO"),
			Examples: Examples{True: []string{`ADAFRUIT_IO_KEY=aio_` + fake("aio", 28, csAlnum)}, False: []string{`aio_short`}},
		},
		{
			ID: "salesforce-token", Title: "Salesforce access token",
			Severity: finding.SeverityHigh, Keywords: []string{"00d"},
			Regex: `\b(00D[A-Za-z0-9]{12,15}![\w.]{90,110})`, Remediation: rotate("Salesforce (revoke the session / connected app)"),
			Examples: Examples{True: []string{`SF_ACCESS_TOKEN=00D` + fake("sf", 15, csAlnum) + `!` + fake("sf2", 96, csAlnum)}, False: []string{`00D` + fake("sf3", 15, csAlnum)}},
		},
		{
			ID: "age-secret-key", Title: "age encryption secret key",
			Severity: finding.SeverityCritical, Keywords: []string{"age-secret-key-1"},
			Regex: `(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})`, Remediation: "Generate a new age identity, re-encrypt what the old one protects, and keep identities out of source control.",
			Examples: Examples{True: []string{`AGE-SECRET-KEY-1` + fake("age", 58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L")}, False: []string{`AGE-SECRET-KEY-1abc`}},
		},
	}
}
