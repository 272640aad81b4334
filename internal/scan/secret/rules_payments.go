package secret

import "github.com/palisade-sec/palisade/internal/finding"

// paymentRules covers payment processors: Stripe, Square, PayPal/Braintree, Adyen, Razorpay and
// others. Live keys move money, so they rank critical; test-mode keys rank low.
func paymentRules() []Rule {
	return []Rule{
		{
			ID: "stripe-secret-key", Title: "Stripe live secret or restricted key",
			Severity: finding.SeverityCritical, Keywords: []string{"sk_live_", "rk_live_"},
			Regex: token(`[sr]k_live_`, `[A-Za-z0-9]{24,247}`), MinEntropy: 3, Remediation: rotate("the Stripe dashboard (Developers → API keys)"),
			Examples: Examples{
				True:  []string{`STRIPE_SECRET_KEY=sk_live_` + fake("stripe", 99, csAlnum), `stripe.api_key = "rk_live_` + fake("stripe2", 24, csAlnum) + `"`},
				False: []string{`sk_live_` + fake("stripe-s", 10, csAlnum)},
			},
		},
		{
			ID: "stripe-test-key", Title: "Stripe test-mode secret key",
			Severity: finding.SeverityLow, Keywords: []string{"sk_test_", "rk_test_"},
			Regex: token(`[sr]k_test_`, `[A-Za-z0-9]{24,247}`), MinEntropy: 3, Remediation: rotate("the Stripe dashboard") + " Test keys reach no money but do reach your test data.",
			Examples: Examples{
				True:  []string{`sk_test_` + fake("stripet", 99, csAlnum), `rk_test_` + fake("stripet2", 24, csAlnum)},
				False: []string{`sk_test_short`},
			},
		},
		{
			ID: "stripe-webhook-secret", Title: "Stripe webhook signing secret",
			Severity: finding.SeverityMedium, Keywords: []string{"whsec_"},
			Regex: token(`whsec_`, `[A-Za-z0-9+/=]{32,64}`), MinEntropy: 3.5, Remediation: rotate("the Stripe dashboard (Webhooks → Roll secret)"),
			Examples: Examples{
				True:  []string{`STRIPE_WEBHOOK_SECRET=whsec_` + fake("whsec", 32, csAlnum)},
				False: []string{`whsec_test`},
			},
		},
		{
			ID: "square-access-token", Title: "Square access token",
			Severity: finding.SeverityCritical, Keywords: []string{"sq0atp-", "eaaa"},
			Regex: `\b(sq0atp-[\w-]{22}|EAAA[\w-]{60})(?:[^\w-]|$)`, MinEntropy: 3.5, Remediation: rotate("the Square developer dashboard"),
			Examples: Examples{
				True:  []string{`SQUARE_ACCESS_TOKEN=EAAA` + fake("square", 60, csB64URL), `sq0atp-` + fake("square2", 22, csB64URL)},
				False: []string{`EAAA` + fake("square-s", 10, csAlnum)},
			},
		},
		{
			ID: "square-oauth-secret", Title: "Square OAuth application secret",
			Severity: finding.SeverityHigh, Keywords: []string{"sq0csp-"},
			Regex: token(`sq0csp-`, `[\w-]{43}`), Remediation: rotate("the Square developer dashboard"),
			Examples: Examples{
				True:  []string{`sq0csp-` + fake("sqcsp", 43, csB64URL)},
				False: []string{`sq0csp-short`},
			},
		},
		{
			ID: "braintree-access-token", Title: "PayPal Braintree access token",
			Severity: finding.SeverityCritical, Keywords: []string{"access_token$"},
			Regex: `\b(access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32})\b`, Remediation: rotate("the Braintree control panel"),
			Examples: Examples{
				True:  []string{`BRAINTREE_TOKEN=access_token$production$` + fake("bt", 16, csLowerAlnum) + `$` + fake("bt2", 32, csHex)},
				False: []string{`access_token$production$x$y`},
			},
		},
		{
			ID: "braintree-private-key", Title: "Braintree private key",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"braintree"},
			Regex: assigned(`braintree`, `[0-9a-f]{32}`), Remediation: rotate("the Braintree control panel"),
			Examples: Examples{
				True:  []string{`BRAINTREE_PRIVATE_KEY=` + fake("btpk", 32, csHex)},
				False: []string{`BRAINTREE_ENV=sandbox`},
			},
		},
		{
			ID: "paypal-client-secret", Title: "PayPal REST client secret",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"paypal"},
			Regex: assigned(`paypal`, `E[A-Za-z0-9_-]{79}`), MinEntropy: 3.5, Remediation: rotate("the PayPal developer dashboard"),
			Examples: Examples{
				True:  []string{`PAYPAL_CLIENT_SECRET=E` + fake("paypal", 79, csB64URL)},
				False: []string{`PAYPAL_MODE=live`},
			},
		},
		{
			ID: "adyen-api-key", Title: "Adyen API key",
			Severity: finding.SeverityCritical, Keywords: []string{"aqe"},
			Regex: `\b(AQE[a-zA-Z0-9]{3,}\.[A-Za-z0-9+/=_-]{20,}\.[A-Za-z0-9+/=_-]{60,})`, MinEntropy: 3.5, Remediation: rotate("the Adyen Customer Area"),
			Examples: Examples{
				True:  []string{`ADYEN_API_KEY=AQEyhmfxK` + fake("adyen", 10, csAlnum) + `.` + fake("adyen2", 40, csAlnum) + `.` + fake("adyen3", 80, csB64)},
				False: []string{`AQE.short`},
			},
		},
		{
			ID: "razorpay-key", Title: "Razorpay API key",
			Severity: finding.SeverityHigh, Keywords: []string{"rzp_live_", "rzp_test_"},
			Regex: token(`rzp_(?:live|test)_`, `[A-Za-z0-9]{14}`), Remediation: rotate("the Razorpay dashboard"),
			Examples: Examples{
				True:  []string{`key_id: rzp_live_` + fake("rzp", 14, csAlnum), `rzp_test_` + fake("rzp2", 14, csAlnum)},
				False: []string{`rzp_live_x`},
			},
		},
		{
			ID: "flutterwave-key", Title: "Flutterwave secret or encryption key",
			Severity: finding.SeverityHigh, Keywords: []string{"flwseck", "flwpubk"},
			Regex: `\b(FLW(?:SECK|PUBK)(?:_TEST)?-[a-h0-9]{32}-X)\b`, Remediation: rotate("the Flutterwave dashboard"),
			Examples: Examples{
				True:  []string{`FLW_SECRET=FLWSECK_TEST-` + fake("flw", 32, "abcdefgh0123456789") + `-X`, `FLWPUBK-` + fake("flw2", 32, "abcdefgh0123456789") + `-X`},
				False: []string{`FLWSECK-short-X`},
			},
		},
		{
			ID: "plaid-access-token", Title: "Plaid access token or secret",
			Severity: finding.SeverityHigh, Keywords: []string{"access-sandbox-", "access-development-", "access-production-", "plaid"},
			Regex:       `\b(access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b|` + assigned(`plaid`, `[a-f0-9]{30}`),
			Remediation: rotate("the Plaid dashboard"),
			Examples: Examples{
				True:  []string{`access-production-` + fakeUUID("plaid"), `access-sandbox-` + fakeUUID("plaid2"), `access-development-` + fakeUUID("plaid3"), `PLAID_SECRET=` + fake("plaid4", 30, csHex)},
				False: []string{`access-production-token`},
			},
		},
		{
			ID: "gocardless-token", Title: "GoCardless access token",
			Severity: finding.SeverityHigh, Keywords: []string{"gocardless", "live_"},
			Regex:       `(?i)gocardless[\w.-]{0,40}?[\s"'\x60]{0,3}(?::=|=>|=|:)[\s"'\x60]{0,4}(?-i:(live_[\w=-]{40}))`,
			Remediation: rotate("the GoCardless dashboard"),
			Examples: Examples{
				True:  []string{`GOCARDLESS_ACCESS_TOKEN=live_` + fake("gc", 40, csB64URL)},
				False: []string{`GOCARDLESS_ENV=live_mode`},
			},
		},
		{
			ID: "mollie-api-key", Title: "Mollie API key",
			Severity: finding.SeverityHigh, Keywords: []string{"mollie"},
			Regex: `(?i)mollie[\w.-]{0,40}?[\s"'\x60]{0,3}(?::=|=>|=|:)[\s"'\x60]{0,4}(?-i:((?:live|test)_[A-Za-z0-9]{30}))`, Remediation: rotate("the Mollie dashboard"),
			Examples: Examples{
				True:  []string{`MOLLIE_API_KEY=live_` + fake("mollie", 30, csAlnum)},
				False: []string{`MOLLIE_API_KEY=live_`},
			},
		},
		{
			ID: "coinbase-access-token", Title: "Coinbase API credential",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"coinbase"},
			Regex: assigned(`coinbase`, `[\w-]{64}`), MinEntropy: 3.5, Remediation: rotate("Coinbase"),
			Examples: Examples{
				True:  []string{`COINBASE_API_SECRET=` + fake("coinbase", 64, csB64URL)},
				False: []string{`COINBASE_API_SECRET=`},
			},
		},
		{
			ID: "shopify-token", Title: "Shopify access token or shared secret",
			Severity: finding.SeverityHigh, Keywords: []string{"shpat_", "shpca_", "shppa_", "shpss_"},
			Regex: token(`shp(?:at|ca|pa|ss)_`, `[a-fA-F0-9]{32}`), Remediation: rotate("the Shopify admin (Apps → Develop apps)"),
			Examples: Examples{
				True:  []string{`SHOPIFY_TOKEN=shpat_` + fake("shpat", 32, csHex), `shpca_` + fake("shpca", 32, csHex), `shppa_` + fake("shppa", 32, csHex), `shpss_` + fake("shpss", 32, csHex)},
				False: []string{`shpat_` + fake("shpat-s", 16, csHex)},
			},
		},
		{
			ID: "easypost-api-key", Title: "EasyPost API key",
			Severity: finding.SeverityHigh, Keywords: []string{"ezak", "eztk"},
			Regex: `\b(EZ[AT]K[a-zA-Z0-9]{54})\b`, Remediation: rotate("EasyPost"),
			Examples: Examples{
				True:  []string{`EASYPOST_API_KEY=EZAK` + fake("ezak", 54, csAlnum), `EZTK` + fake("eztk", 54, csAlnum)},
				False: []string{`EZAK` + fake("ezak-s", 20, csAlnum)},
			},
		},
		{
			ID: "shippo-api-token", Title: "Shippo API token",
			Severity: finding.SeverityHigh, Keywords: []string{"shippo_"},
			Regex: token(`shippo_(?:live|test)_`, `[a-fA-F0-9]{40}`), Remediation: rotate("Shippo"),
			Examples: Examples{
				True:  []string{`SHIPPO_TOKEN=shippo_live_` + fake("shippo", 40, csHex)},
				False: []string{`shippo_live_x`},
			},
		},
		{
			ID: "duffel-api-token", Title: "Duffel API token",
			Severity: finding.SeverityHigh, Keywords: []string{"duffel_"},
			Regex: token(`duffel_(?:test|live)_`, `[\w=-]{43}`), Remediation: rotate("Duffel"),
			Examples: Examples{
				True:  []string{`DUFFEL_TOKEN=duffel_live_` + fake("duffel", 43, csB64URL)},
				False: []string{`duffel_live_short`},
			},
		},
	}
}
