package secret

import "github.com/palisade-sec/palisade/internal/finding"

// aiRules covers AI and ML platforms: OpenAI, Anthropic, Hugging Face and model hosts.
func aiRules() []Rule {
	return []Rule{
		{
			ID: "openai-api-key", Title: "OpenAI API key",
			Severity: finding.SeverityHigh, Keywords: []string{"t3blbkfj"},
			Regex: `\b(sk-(?:(?:proj|svcacct|admin)-)?[\w-]{20,160}T3BlbkFJ[\w-]{20,160})(?:[^\w-]|$)`, MinEntropy: 3.5,
			Remediation: rotate("the OpenAI platform (API keys)"),
			Examples: Examples{
				True: []string{
					`OPENAI_API_KEY=sk-proj-` + fake("oai", 74, csB64URL) + `T3BlbkFJ` + fake("oai2", 74, csB64URL),
					`openai.api_key = "sk-` + fake("oai3", 20, csAlnum) + `T3BlbkFJ` + fake("oai4", 20, csAlnum) + `"`,
				},
				False: []string{`sk-proj-T3BlbkFJ`},
			},
		},
		{
			ID: "anthropic-api-key", Title: "Anthropic API key",
			Severity: finding.SeverityHigh, Keywords: []string{"sk-ant-api03-", "sk-ant-admin01-"},
			Regex: `\b(sk-ant-(?:api03|admin01)-[\w-]{93}AA)(?:[^\w-]|$)`, MinEntropy: 3.5, Remediation: rotate("the Anthropic Console (API keys)"),
			Examples: Examples{
				True:  []string{`ANTHROPIC_API_KEY=sk-ant-api03-` + fake("ant", 93, csB64URL) + `AA`, `sk-ant-admin01-` + fake("ant2", 93, csB64URL) + `AA`},
				False: []string{`sk-ant-api03-short`},
			},
		},
		{
			ID: "huggingface-token", Title: "Hugging Face access token",
			Severity: finding.SeverityHigh, Keywords: []string{"hf_", "api_org_"},
			Regex: `\b((?:hf_|api_org_)[A-Za-z]{34})\b`, MinEntropy: 3.5, Remediation: rotate("Hugging Face (Settings → Access Tokens)"),
			Examples: Examples{
				True:  []string{`HF_TOKEN=hf_` + fake("hf", 34, csUpper+csLower), `api_org_` + fake("hforg", 34, csUpper+csLower)},
				False: []string{`hf_` + fake("hf-s", 10, csLower)},
			},
		},
		{
			ID: "groq-api-key", Title: "Groq API key",
			Severity: finding.SeverityHigh, Keywords: []string{"gsk_"},
			Regex: token(`gsk_`, `[A-Za-z0-9]{52}`), MinEntropy: 3.5, Remediation: rotate("the Groq console"),
			Examples: Examples{True: []string{`GROQ_API_KEY=gsk_` + fake("gsk", 52, csAlnum)}, False: []string{`gsk_short`}},
		},
		{
			ID: "replicate-api-token", Title: "Replicate API token",
			Severity: finding.SeverityHigh, Keywords: []string{"r8_"},
			Regex: token(`r8_`, `[A-Za-z0-9]{37}`), MinEntropy: 3.5, Remediation: rotate("Replicate"),
			Examples: Examples{True: []string{`REPLICATE_API_TOKEN=r8_` + fake("r8", 37, csAlnum)}, False: []string{`r8_short`}},
		},
		{
			ID: "perplexity-api-key", Title: "Perplexity API key",
			Severity: finding.SeverityHigh, Keywords: []string{"pplx-"},
			Regex: token(`pplx-`, `[A-Za-z0-9]{48}`), MinEntropy: 3.5, Remediation: rotate("Perplexity"),
			Examples: Examples{True: []string{`PPLX_API_KEY=pplx-` + fake("pplx", 48, csAlnum)}, False: []string{`pplx-short`}},
		},
		{
			ID: "xai-api-key", Title: "xAI API key",
			Severity: finding.SeverityHigh, Keywords: []string{"xai-"},
			Regex: token(`xai-`, `[A-Za-z0-9]{80}`), MinEntropy: 3.5, Remediation: rotate("the xAI console"),
			Examples: Examples{True: []string{`XAI_API_KEY=xai-` + fake("xai", 80, csAlnum)}, False: []string{`xai-` + fake("xai-s", 20, csAlnum)}},
		},
		{
			ID: "langsmith-api-key", Title: "LangSmith API key",
			Severity: finding.SeverityHigh, Keywords: []string{"lsv2_"},
			Regex: token(`lsv2_(?:pt|sk)_`, `[a-f0-9]{32}_[a-f0-9]{10}`), Remediation: rotate("LangSmith"),
			Examples: Examples{True: []string{`LANGCHAIN_API_KEY=lsv2_pt_` + fake("ls", 32, csHex) + `_` + fake("ls2", 10, csHex)}, False: []string{`lsv2_pt_short`}},
		},
		{
			ID: "pinecone-api-key", Title: "Pinecone API key",
			Severity: finding.SeverityHigh, Keywords: []string{"pcsk_"},
			Regex: token(`pcsk_`, `[A-Za-z0-9]{5,7}_[A-Za-z0-9]{60,70}`), MinEntropy: 3.5, Remediation: rotate("the Pinecone console"),
			Examples: Examples{True: []string{`PINECONE_API_KEY=pcsk_` + fake("pc", 6, csAlnum) + `_` + fake("pc2", 63, csAlnum)}, False: []string{`pcsk_short`}},
		},
		{
			ID: "cohere-api-key", Title: "Cohere API key",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"cohere", "co_api_key"},
			Regex: assigned(`cohere|co_api_key`, `[A-Za-z0-9]{40}`), MinEntropy: 3.5, Remediation: rotate("the Cohere dashboard"),
			Examples: Examples{True: []string{`COHERE_API_KEY=` + fake("cohere", 40, csAlnum), `CO_API_KEY=` + fake("co", 40, csAlnum)}, False: []string{`COHERE_MODEL=command-r`}},
		},
		{
			ID: "mistral-api-key", Title: "Mistral AI API key",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"mistral"},
			Regex: assigned(`mistral`, `[A-Za-z0-9]{32}`), MinEntropy: 3.5, Remediation: rotate("Mistral La Plateforme"),
			Examples: Examples{True: []string{`MISTRAL_API_KEY=` + fake("mistral", 32, csAlnum)}, False: []string{`MISTRAL_MODEL=mistral-large-latest`}},
		},
		{
			ID: "deepseek-api-key", Title: "DeepSeek API key",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"deepseek"},
			Regex: assigned(`deepseek`, `sk-[a-f0-9]{32}`), Remediation: rotate("the DeepSeek platform"),
			Examples: Examples{True: []string{`DEEPSEEK_API_KEY=sk-` + fake("deepseek", 32, csHex)}, False: []string{`DEEPSEEK_API_KEY=sk-xxx`}},
		},
		{
			ID: "google-gemini-key-context", Title: "Google AI Studio (Gemini) API key",
			Severity: finding.SeverityHigh, Confidence: finding.ConfidenceMedium, Keywords: []string{"gemini"},
			Regex: assigned(`gemini`, `AQ\.[\w-]{40,60}`), MinEntropy: 3.5, Remediation: rotate("Google AI Studio"),
			Examples: Examples{True: []string{`GEMINI_API_KEY=AQ.` + fake("gemini", 50, csB64URL)}, False: []string{`GEMINI_MODEL=gemini-2.0`}},
		},
		{
			ID: "elevenlabs-api-key", Title: "ElevenLabs API key",
			Severity: finding.SeverityMedium, Keywords: []string{"sk_", "elevenlabs"},
			Regex: `(?i)(?:elevenlabs|xi[_-]api[_-]key)[\w.-]{0,40}?[\s"'\x60]{0,3}(?::=|=>|=|:)[\s"'\x60]{0,4}(?-i:(sk_[a-f0-9]{48}))`, Remediation: rotate("ElevenLabs"),
			Examples: Examples{True: []string{`ELEVENLABS_API_KEY=sk_` + fake("11labs", 48, csHex)}, False: []string{`ELEVENLABS_VOICE=sk_rachel`}},
		},
	}
}
