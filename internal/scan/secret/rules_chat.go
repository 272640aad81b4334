package secret

import "github.com/palisade-sec/palisade/internal/finding"

// chatRules covers chat and messaging: Slack, Discord, Microsoft Teams, Telegram, Mattermost and
// others.
func chatRules() []Rule {
	slack := rotate("Slack (api.slack.com/apps → your app)")
	return []Rule{
		{
			ID: "slack-bot-token", Title: "Slack bot token",
			Severity: finding.SeverityHigh, Keywords: []string{"xoxb-"},
			Regex: token(`xoxb-`, `[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9-]{24,34}`), Remediation: slack,
			Examples: Examples{
				True:  []string{`SLACK_BOT_TOKEN=xoxb-` + fake("xoxb", 12, csDigits) + `-` + fake("xoxb2", 13, csDigits) + `-` + fake("xoxb3", 24, csAlnum)},
				False: []string{`xoxb-your-token-here`, `xoxb-123-456-abc`},
			},
		},
		{
			ID: "slack-user-token", Title: "Slack user token",
			Severity: finding.SeverityHigh, Keywords: []string{"xoxp-", "xoxe.xoxp-"},
			Regex: token(`(?:xoxe\.)?xoxp-`, `(?:\d-)?[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[a-f0-9]{32,64}`), Remediation: slack,
			Examples: Examples{
				True: []string{
					`token: xoxp-` + fake("xoxp", 11, csDigits) + `-` + fake("xoxp2", 12, csDigits) + `-` + fake("xoxp3", 13, csDigits) + `-` + fake("xoxp4", 32, csHex),
					`xoxe.xoxp-1-` + fake("xoxe", 11, csDigits) + `-` + fake("xoxe2", 12, csDigits) + `-` + fake("xoxe3", 13, csDigits) + `-` + fake("xoxe4", 64, csHex),
				},
				False: []string{`xoxp-1234-abcd`},
			},
		},
		{
			ID: "slack-app-token", Title: "Slack app-level token",
			Severity: finding.SeverityHigh, Keywords: []string{"xapp-"},
			Regex: `(?i)\b(xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]{64})\b`, Remediation: slack,
			Examples: Examples{
				True:  []string{`SLACK_APP_TOKEN=xapp-1-A` + fake("xapp", 10, csUpperAlnum) + `-` + fake("xapp2", 13, csDigits) + `-` + fake("xapp3", 64, csHex)},
				False: []string{`xapp-1-short`},
			},
		},
		{
			ID: "slack-config-token", Title: "Slack configuration token",
			Severity: finding.SeverityHigh, Keywords: []string{"xoxe.xoxb-", "xoxe-"},
			Regex: `\b(xoxe\.xoxb-1-[A-Za-z0-9]{163,166}|xoxe-1-[A-Za-z0-9]{145,150})\b`, Remediation: slack,
			Examples: Examples{
				True:  []string{`xoxe.xoxb-1-` + fake("xoxeb", 164, csAlnum), `refresh: xoxe-1-` + fake("xoxer", 147, csAlnum)},
				False: []string{`xoxe-1-short`},
			},
		},
		{
			ID: "slack-legacy-token", Title: "Slack legacy or workspace token",
			Severity: finding.SeverityHigh, Keywords: []string{"xoxa-", "xoxo-", "xoxs-", "xoxr-"},
			Regex: token(`xox[aors]-`, `(?:\d-)?[0-9A-Za-z]{8,48}(?:-[0-9A-Za-z]{8,48}){1,3}`), MinEntropy: 3.5, Remediation: slack,
			Examples: Examples{
				True:  []string{`xoxs-` + fake("xoxs", 11, csDigits) + `-` + fake("xoxs2", 12, csDigits) + `-` + fake("xoxs3", 32, csHex), `xoxa-2-` + fake("xoxa", 30, csAlnum) + `-` + fake("xoxa2", 20, csAlnum), `xoxo-` + fake("xoxo", 20, csAlnum) + `-` + fake("xoxo2", 20, csAlnum), `xoxr-` + fake("xoxr", 20, csAlnum) + `-` + fake("xoxr2", 20, csAlnum)},
				False: []string{`xoxs-aaaa`},
			},
		},
		{
			ID: "slack-webhook-url", Title: "Slack incoming webhook URL",
			Severity: finding.SeverityMedium, Keywords: []string{"hooks.slack.com"},
			Regex: `(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/([A-Za-z0-9+/]{43,56}|T[A-Z0-9]{8,12}/[A-Z0-9]{8,12}/[A-Za-z0-9]{23,24})`, Remediation: slack,
			Examples: Examples{
				True:  []string{`url: https://hooks.slack.com/services/T` + fake("slk", 10, csUpperAlnum) + `/B` + fake("slk2", 10, csUpperAlnum) + `/` + fake("slk3", 24, csAlnum)},
				False: []string{`https://hooks.slack.com/services/T000/B000/XXXX`},
			},
		},
		{
			ID: "discord-bot-token", Title: "Discord bot token",
			Severity: finding.SeverityHigh, Keywords: []string{"discord"},
			Regex: assigned(`discord`, `[MNO][A-Za-z\d_-]{23,25}\.[\w-]{6}\.[\w-]{27,38}|[a-f0-9]{64}`), MinEntropy: 3.5, Remediation: rotate("the Discord developer portal"),
			Examples: Examples{
				True:  []string{`DISCORD_TOKEN=M` + fake("disc", 25, csB64URL) + `.` + fake("disc2", 6, csB64URL) + `.` + fake("disc3", 38, csB64URL)},
				False: []string{`DISCORD_TOKEN=your-token`},
			},
		},
		{
			ID: "discord-webhook-url", Title: "Discord webhook URL",
			Severity: finding.SeverityMedium, Keywords: []string{"discord.com/api/webhooks/", "discordapp.com/api/webhooks/"},
			Regex: `discord(?:app)?\.com/api/webhooks/\d{17,20}/([\w-]{60,68})`, Remediation: rotate("Discord (channel settings → Integrations)"),
			Examples: Examples{
				True:  []string{`https://discord.com/api/webhooks/` + fake("dw", 18, csDigits) + `/` + fake("dw2", 68, csB64URL), `https://discordapp.com/api/webhooks/` + fake("dw3", 19, csDigits) + `/` + fake("dw4", 68, csB64URL)},
				False: []string{`https://discord.com/api/webhooks/123/abc`},
			},
		},
		{
			ID: "teams-webhook-url", Title: "Microsoft Teams incoming webhook URL",
			Severity: finding.SeverityMedium, Keywords: []string{"webhook.office.com", "outlook.office.com/webhook"},
			Regex:       `https://[\w.-]*(?:webhook\.office|outlook\.office)\.com/webhook(?:b2)?/([0-9a-f-]{36}@[0-9a-f-]{36}/IncomingWebhook/[0-9a-f]{32}/[0-9a-f-]{36}(?:/[\w-]{40,})?)`,
			Remediation: "Remove the connector from the Teams channel and create a new webhook; keep the URL in a secret store.",
			Examples: Examples{
				True:  []string{`https://contoso.webhook.office.com/webhookb2/` + fakeUUID("t1") + `@` + fakeUUID("t2") + `/IncomingWebhook/` + fake("t3", 32, csHex) + `/` + fakeUUID("t4"), `https://outlook.office.com/webhook/` + fakeUUID("t5") + `@` + fakeUUID("t6") + `/IncomingWebhook/` + fake("t7", 32, csHex) + `/` + fakeUUID("t8")},
				False: []string{`https://contoso.webhook.office.com/webhookb2/`},
			},
		},
		{
			ID: "telegram-bot-token", Title: "Telegram bot token",
			Severity: finding.SeverityHigh, Keywords: []string{"telegram", "api.telegram.org/bot"},
			Regex: `api\.telegram\.org/bot(\d{5,16}:A[\w-]{34})|` + assigned(`telegram`, `\d{5,16}:A[\w-]{34}`), Remediation: rotate("Telegram (@BotFather /revoke)"),
			Examples: Examples{
				True:  []string{`TELEGRAM_BOT_TOKEN=` + fake("tg", 10, csDigits) + `:AA` + fake("tg2", 33, csB64URL), `https://api.telegram.org/bot` + fake("tg3", 9, csDigits) + `:AA` + fake("tg4", 33, csB64URL) + `/getMe`},
				False: []string{`TELEGRAM_CHAT_ID=-100123456`},
			},
		},
		{
			ID: "mattermost-token", Title: "Mattermost access token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"mattermost"},
			Regex: assigned(`mattermost`, `[a-z0-9]{26}`), MinEntropy: 3.5, Remediation: rotate("Mattermost"),
			Examples: Examples{
				True:  []string{`MATTERMOST_TOKEN=` + fake("mm", 26, csLowerAlnum)},
				False: []string{`MATTERMOST_URL=https://chat.example.com`},
			},
		},
		{
			ID: "twitch-api-token", Title: "Twitch API token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"twitch"},
			Regex: assigned(`twitch`, `[a-z0-9]{30}`), MinEntropy: 3.5, Remediation: rotate("the Twitch developer console"),
			Examples: Examples{
				True:  []string{`TWITCH_CLIENT_SECRET=` + fake("twitch", 30, csLowerAlnum)},
				False: []string{`TWITCH_CHANNEL=gaming`},
			},
		},
		{
			ID: "zoom-api-secret", Title: "Zoom API credential",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"zoom"},
			Regex: assigned(`zoom`, `[A-Za-z0-9]{32}`), MinEntropy: 3.5, Remediation: rotate("the Zoom App Marketplace"),
			Examples: Examples{
				True:  []string{`ZOOM_CLIENT_SECRET=` + fake("zoom", 32, csAlnum)},
				False: []string{`zoom_level: 12`},
			},
		},
		{
			ID: "line-channel-token", Title: "LINE messaging channel access token",
			Severity: finding.SeverityMedium, Confidence: finding.ConfidenceMedium, Keywords: []string{"line_channel", "linechannel", "line-channel"},
			Regex: `(?i)line[_-]?channel[\w.-]{0,20}?[\s"'\x60]{0,3}(?::=|=>|=|:)[\s"'\x60]{0,4}([A-Za-z0-9+/=]{32,172})`, MinEntropy: 3.5, Remediation: rotate("the LINE Developers console"),
			Examples: Examples{
				True:  []string{`LINE_CHANNEL_ACCESS_TOKEN=` + fake("line", 172, csB64), `lineChannelSecret: ` + fake("line2", 32, csHex), `line-channel-secret = ` + fake("line3", 32, csHex)},
				False: []string{`LINE_CHANNEL_ID=1234`},
			},
		},
	}
}
